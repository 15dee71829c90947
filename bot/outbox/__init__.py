"""Work kept in SQLite and sent without a user waiting: announcements, receipts and reminders,
and the daily retention purge."""
