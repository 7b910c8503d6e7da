-- Grading: rubric items, the exam's documents (versioned), and every graded PDF of a copy
-- CreateEnum
CREATE TYPE "RubricMode" AS ENUM ('ADD', 'SUBTRACT');

-- CreateEnum
CREATE TYPE "ExamDocumentKind" AS ENUM ('SUBJECT', 'ANSWER_KEY', 'MARKING_SCHEME');

-- AlterTable: a question's step replaces the half-point switch (half points on: 0.5, off: 1)
ALTER TABLE "Question" ADD COLUMN     "rubricMode" "RubricMode" NOT NULL DEFAULT 'ADD',
ADD COLUMN     "step" DECIMAL(4,2) NOT NULL DEFAULT 0.5;
UPDATE "Question" SET "step" = CASE WHEN "allowHalf" THEN 0.5 ELSE 1 END;
ALTER TABLE "Question" DROP COLUMN "allowHalf";

-- AlterTable
ALTER TABLE "Copy" ADD COLUMN     "finalVersion" INTEGER;

-- CreateTable
CREATE TABLE "RubricItem" (
    "id" UUID NOT NULL,
    "schoolId" UUID NOT NULL,
    "examId" UUID NOT NULL,
    "questionId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "points" DECIMAL(6,2) NOT NULL,
    "shortcut" TEXT,
    "archivedAt" TIMESTAMP(3),
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RubricItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExamDocument" (
    "id" UUID NOT NULL,
    "schoolId" UUID NOT NULL,
    "examId" UUID NOT NULL,
    "kind" "ExamDocumentKind" NOT NULL,
    "version" INTEGER NOT NULL,
    "originalName" TEXT NOT NULL,
    "storagePath" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "uploadedById" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExamDocument_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GradedPdf" (
    "id" UUID NOT NULL,
    "schoolId" UUID NOT NULL,
    "copyId" UUID NOT NULL,
    "draftVersion" INTEGER NOT NULL,
    "storagePath" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "totalScore" DECIMAL(8,2) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GradedPdf_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RubricItem_examId_questionId_position_idx" ON "RubricItem"("examId", "questionId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "ExamDocument_examId_kind_version_key" ON "ExamDocument"("examId", "kind", "version");

-- CreateIndex
CREATE UNIQUE INDEX "GradedPdf_copyId_draftVersion_key" ON "GradedPdf"("copyId", "draftVersion");

-- AddForeignKey
ALTER TABLE "RubricItem" ADD CONSTRAINT "RubricItem_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RubricItem" ADD CONSTRAINT "RubricItem_examId_fkey" FOREIGN KEY ("examId") REFERENCES "Exam"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RubricItem" ADD CONSTRAINT "RubricItem_questionId_fkey" FOREIGN KEY ("questionId") REFERENCES "Question"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RubricItem" ADD CONSTRAINT "RubricItem_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExamDocument" ADD CONSTRAINT "ExamDocument_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExamDocument" ADD CONSTRAINT "ExamDocument_examId_fkey" FOREIGN KEY ("examId") REFERENCES "Exam"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExamDocument" ADD CONSTRAINT "ExamDocument_uploadedById_fkey" FOREIGN KEY ("uploadedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GradedPdf" ADD CONSTRAINT "GradedPdf_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GradedPdf" ADD CONSTRAINT "GradedPdf_copyId_fkey" FOREIGN KEY ("copyId") REFERENCES "Copy"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

