-- Elevated access grants (gatehouse.access.v1) are entities of kind 'elevatedGrant' in the entities table, with
-- their whole story in the body; they need no table of their own. This version is kept so that the schema's history
-- names the feature, and later versions keep their numbers.
SELECT 1;
