"""Notices that arrive: the outbox's messages in every account's inbox, and delivered by email
(SMTP, with retries and a dead-letter list) and SMS, on the channels each enterprise chose."""
