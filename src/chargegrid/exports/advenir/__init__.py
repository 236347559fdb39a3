"""ADVENIR charging-data export (France): the collection protocol's web service.

Layout: `operations` (pure: charging operations from register readings), `payloads`
(pure: the two request bodies and the answer), `config` (accounts and funded points),
`derive` (store operations of ended transactions), `client` (HTTPS), `sender` (batches and
bookkeeping), `alerts` (overdue stations), `job` (one run, or a loop).
"""
