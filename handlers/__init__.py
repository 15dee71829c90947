"""Telegram-facing handlers, one module per user journey; bot/app.py registers them."""
