-- Grading is anonymous unless the admin says otherwise.
-- AlterTable
ALTER TABLE "Exam" ADD COLUMN     "anonymousGrading" BOOLEAN NOT NULL DEFAULT true;

