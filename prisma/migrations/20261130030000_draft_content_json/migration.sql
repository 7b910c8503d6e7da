-- Drafts: the annotations are stored as json (the text as sent) rather than jsonb. Every
-- autosave writes the whole draft, and converting it to jsonb cost PostgreSQL ~5 ms of CPU per
-- 100 kB save (measured: 8.8 to 10.3 ms against 3.8 to 4.5 ms per insert). Only the rubric
-- usage count looks inside, reading the latest draft of each copy of one exam.
-- The rewrite keeps lz4 compression (migration 20261130013000), set again here all the same.
ALTER TABLE "Draft" ALTER COLUMN "content" SET DATA TYPE JSON USING "content"::json;
ALTER TABLE "Draft" ALTER COLUMN "content" SET COMPRESSION lz4;
