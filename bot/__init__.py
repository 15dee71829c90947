"""Telegram bot for Vietnam's study-promotion movement (khuyến học, khuyến tài)."""
