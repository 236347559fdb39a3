"""Authentication: Argon2 passwords, rate-limited login, expiring login sessions, TOTP
multi-factor authentication with recovery codes, and OIDC single sign-on.

One module per concern; `login.py` composes them into the password login use case. Nothing
here knows HTTP: errors carry codes the API maps to status codes.
"""
