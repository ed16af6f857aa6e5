"""The public crowding pages (窓口混雑状況) and their open JSON: no login, numbers only."""
