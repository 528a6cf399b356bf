-- Access reviews. Campaigns and their items are entities (kinds 'reviewCampaign', 'reviewItem') in the entities
-- table: a scheduled campaign's unique name is its period ('scheduled-2026-Q4'), so two replicas starting the same
-- period race into UNIQUE (kind, unique_name) and one of them wins.
--
-- The highest access class each principal has used on each namespace, written by the data plane (a row moves only
-- upward; highest: 0 Read, 1 Write, 2 Admin). Reviews compare it with what the principal is granted.
CREATE TABLE principal_access_use (
  principal_id TEXT NOT NULL,
  namespace TEXT NOT NULL,
  highest SMALLINT NOT NULL,
  last_used BIGINT NOT NULL,
  PRIMARY KEY (principal_id, namespace)
);
