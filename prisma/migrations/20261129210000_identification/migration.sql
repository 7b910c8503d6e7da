-- Identification desk: booklet states, stored readings and suggestions, desk edits of pages,
-- QR cover sheets, and the kind of header an exam's answer sheets carry.
-- suggestedStudentId and confidence were never written: suggestions replaces them.
-- CreateEnum
CREATE TYPE "HeaderKind" AS ENUM ('FREE_BOX', 'CMEN');

-- CreateEnum
CREATE TYPE "BookletStatus" AS ENUM ('READING', 'PENDING', 'IDENTIFIED', 'SET_ASIDE', 'MERGED');

-- CreateEnum
CREATE TYPE "IdentificationMethod" AS ENUM ('QR', 'OCR', 'MANUAL');

-- CreateEnum
CREATE TYPE "SetAsideReason" AS ENUM ('ABSENT', 'UNREADABLE');

-- AlterTable
ALTER TABLE "Exam" ADD COLUMN     "headerKind" "HeaderKind" NOT NULL DEFAULT 'FREE_BOX';

-- AlterTable
ALTER TABLE "ScanBatch" ADD COLUMN     "attachAt" INTEGER,
ADD COLUMN     "attachToId" UUID;

-- AlterTable
ALTER TABLE "Booklet" DROP COLUMN "confidence",
DROP COLUMN "suggestedStudentId",
ADD COLUMN     "headerCropPath" TEXT,
ADD COLUMN     "identifiedAt" TIMESTAMP(3),
ADD COLUMN     "identifiedById" UUID,
ADD COLUMN     "mergedIntoId" UUID,
ADD COLUMN     "method" "IdentificationMethod",
ADD COLUMN     "readError" TEXT,
ADD COLUMN     "reading" JSONB,
ADD COLUMN     "setAsideReason" "SetAsideReason",
ADD COLUMN     "status" "BookletStatus" NOT NULL DEFAULT 'READING',
ADD COLUMN     "suggestions" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "Page" ADD COLUMN     "coverChecked" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "coverToken" TEXT,
ADD COLUMN     "discardedAt" TIMESTAMP(3),
ADD COLUMN     "rotation" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "CoverSheet" (
    "token" TEXT NOT NULL,
    "schoolId" UUID NOT NULL,
    "examId" UUID NOT NULL,
    "studentId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CoverSheet_pkey" PRIMARY KEY ("token")
);

-- CreateIndex
CREATE UNIQUE INDEX "CoverSheet_examId_studentId_key" ON "CoverSheet"("examId", "studentId");

-- CreateIndex
CREATE INDEX "Booklet_examId_status_idx" ON "Booklet"("examId", "status");

-- AddForeignKey
ALTER TABLE "Booklet" ADD CONSTRAINT "Booklet_mergedIntoId_fkey" FOREIGN KEY ("mergedIntoId") REFERENCES "Booklet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Booklet" ADD CONSTRAINT "Booklet_identifiedById_fkey" FOREIGN KEY ("identifiedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoverSheet" ADD CONSTRAINT "CoverSheet_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoverSheet" ADD CONSTRAINT "CoverSheet_examId_fkey" FOREIGN KEY ("examId") REFERENCES "Exam"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoverSheet" ADD CONSTRAINT "CoverSheet_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Backfill: copies doubles carry the boxed CMEN header. Booklets already linked to a copy are
-- identified, the others wait to be read (the worker's recovery sweep picks them up).
UPDATE "Exam" SET "headerKind" = 'CMEN' WHERE "layout" = 'A3_DOUBLE';
UPDATE "Booklet" SET "status" = 'IDENTIFIED', "method" = 'MANUAL' WHERE "copyId" IS NOT NULL;
