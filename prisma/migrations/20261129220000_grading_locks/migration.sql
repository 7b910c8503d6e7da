-- Grading: the teachers assigned to an exam and the copies dispatched to each of them.
-- AlterTable
ALTER TABLE "Copy" ADD COLUMN     "graderId" UUID;

-- CreateTable
CREATE TABLE "ExamGrader" (
    "examId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExamGrader_pkey" PRIMARY KEY ("examId","userId")
);

-- CreateIndex
CREATE INDEX "ExamGrader_userId_idx" ON "ExamGrader"("userId");

-- AddForeignKey
ALTER TABLE "Copy" ADD CONSTRAINT "Copy_graderId_fkey" FOREIGN KEY ("graderId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExamGrader" ADD CONSTRAINT "ExamGrader_examId_fkey" FOREIGN KEY ("examId") REFERENCES "Exam"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExamGrader" ADD CONSTRAINT "ExamGrader_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

