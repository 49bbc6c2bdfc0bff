"""messaging's REST endpoints: `groups` (the groups as conversations of the caller: list, create,
read, change, join, direct conversations, read markers) and `messages` (history, send, edit,
delete, reactions, search). Members and leaving are groups.api's."""
