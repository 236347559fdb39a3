"""Data exports owed to third parties (ADVENIR in France), built on stored meter values."""
