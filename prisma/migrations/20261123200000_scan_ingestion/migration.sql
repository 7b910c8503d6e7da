-- Scan ingestion: the batch keeps the layout it was cut with, per-file origins and warnings.
-- Progress is derived from page rows (no counter to drift). Pages name their half as an enum.
-- (No semicolons in comments: the migration engine splits statements on them.)

-- CreateEnum
CREATE TYPE "PageHalf" AS ENUM ('FULL', 'LEFT', 'RIGHT');

-- AlterTable
ALTER TABLE "ScanBatch" DROP COLUMN "pagesDone",
ADD COLUMN     "layout" "ScanLayout",
ADD COLUMN     "sourceFiles" JSONB,
ADD COLUMN     "warnings" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
UPDATE "ScanBatch" b SET "layout" = e."layout" FROM "Exam" e WHERE e."id" = b."examId";
ALTER TABLE "ScanBatch" ALTER COLUMN "layout" SET NOT NULL;

-- AlterTable
ALTER TABLE "Booklet" ADD COLUMN     "sourceName" TEXT;

-- AlterTable
ALTER TABLE "Page" ADD COLUMN     "source" TEXT,
ALTER COLUMN "half" DROP DEFAULT,
ALTER COLUMN "half" TYPE "PageHalf" USING "half"::"PageHalf",
ALTER COLUMN "half" SET DEFAULT 'FULL';
