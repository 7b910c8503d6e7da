-- AlterTable
ALTER TABLE "Student" ADD COLUMN     "externalId" TEXT,
ALTER COLUMN "accessCodeHash" DROP NOT NULL;

-- CreateTable
CREATE TABLE "Enrollment" (
    "id" UUID NOT NULL,
    "schoolId" UUID NOT NULL,
    "studentId" UUID NOT NULL,
    "schoolYear" TEXT NOT NULL,
    "className" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Enrollment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Enrollment_schoolId_schoolYear_className_idx" ON "Enrollment"("schoolId", "schoolYear", "className");

-- CreateIndex
CREATE UNIQUE INDEX "Enrollment_studentId_schoolYear_key" ON "Enrollment"("studentId", "schoolYear");

-- AddForeignKey
ALTER TABLE "Enrollment" ADD CONSTRAINT "Enrollment_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Enrollment" ADD CONSTRAINT "Enrollment_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Existing students get an enrollment in their current class for the school year under way
-- (a school year starts on 1 August).
INSERT INTO "Enrollment" ("id", "schoolId", "studentId", "schoolYear", "className", "updatedAt")
SELECT gen_random_uuid(), "schoolId", "id",
       CASE WHEN EXTRACT(MONTH FROM now()) >= 8
            THEN EXTRACT(YEAR FROM now())::int || '-' || (EXTRACT(YEAR FROM now())::int + 1)
            ELSE (EXTRACT(YEAR FROM now())::int - 1) || '-' || EXTRACT(YEAR FROM now())::int END,
       "className", CURRENT_TIMESTAMP
FROM "Student";
