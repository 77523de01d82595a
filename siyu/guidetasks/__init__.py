"""Guide tasks and contests (导购任务 · PK): see docs/guidetasks.md.

HQ creates a Task aimed at part of the org tree → one Assignment per guide it reaches →
completion detected from the other apps' data (forwards and moments posts from content,
valid friendships from relations, contacts and messages logged here), manual confirmation
as the fallback, evidence kept → reminders once before the deadline (WeCom app messages,
claimed by a Reminder row first) → completion per branch, store and guide. Contests rank
guides by streak or amount from commerce's orders; standings are stored per day.
"""
