"""Notifications: who gets told of a message meant for them, and how (the contract's
*Mentions and notifications*). One floor above messaging, whose signals it receives
(messaging.signals), below chat, which delivers its `notification.new` events."""
