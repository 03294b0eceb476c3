-- Progress reports and the finished project (issue 14): a report whose
-- percentage is lower than the previous one says why (reason); a completed
-- or evaluated project's progress is 100% (结项 means the work is done),
-- whatever its last report said.

-- +goose Up
ALTER TABLE project_updates ADD COLUMN reason TEXT NOT NULL DEFAULT '';
UPDATE projects SET progress_percent = 100 WHERE status IN ('completed', 'evaluated');

-- +goose Down
ALTER TABLE project_updates DROP COLUMN reason;
