import { describe, expect, it } from "vitest";
import type { PortalCopyDto, StudentReviewDto } from "../../api/types";
import { markText, questionScoreText, reviewOf, reviewSlot, withReview } from "./portal";

function review(over: Partial<StudentReviewDto> = {}): StudentReviewDto {
  return { id: "r1", questionId: "q1", message: "Le calcul est juste.", status: "OPEN", answer: null, answeredAt: null, reopened: false, createdAt: "2026-12-01T10:00:00Z", ...over };
}

function copy(over: Partial<PortalCopyDto> = {}): PortalCopyDto {
  return {
    copyId: "c1",
    examId: "e1",
    title: "DS 3",
    subject: "Mathématiques",
    date: "2026-11-20",
    mark: 14.5,
    reportScale: 20,
    totalScore: 7.25,
    maxTotal: 10,
    underReview: false,
    gradedAt: "2026-11-25T08:00:00Z",
    questions: [
      { id: "q1", label: "Exercice 1", maxPoints: 4, score: 2.5 },
      { id: "q2", label: "Exercice 2", maxPoints: 6, score: null },
    ],
    reviewDeadline: "2026-12-12T17:00:00Z",
    canRequestReview: true,
    reviews: [],
    ...over,
  };
}

describe("portal copy", () => {
  it("shows marks and scores the French way, a dash for a question left blank", () => {
    expect(markText(copy())).toBe("14,5 / 20");
    expect(markText(copy({ mark: 13.25, reportScale: 10 }))).toBe("13,25 / 10");
    expect(questionScoreText({ score: 2.5, maxPoints: 4 })).toBe("2,5 / 4");
    expect(questionScoreText({ score: 0, maxPoints: 6 })).toBe("0 / 6");
    expect(questionScoreText({ score: null, maxPoints: 6 })).toBe("— / 6");
  });

  it("offers one request per question: the existing one, else the form while requests are open", () => {
    const asked = copy({ reviews: [review()] });
    expect(reviewOf(asked, "q1")?.id).toBe("r1");
    expect(reviewOf(asked, "q2")).toBeNull();
    expect(reviewSlot(asked, "q1")).toEqual({ kind: "request", review: review() });
    expect(reviewSlot(asked, "q2")).toEqual({ kind: "form" });
    // After the deadline the request already made is still shown (with its answer), no new form.
    const closed = copy({ reviews: [review({ status: "ANSWERED", answer: "Revu.", reopened: true })], canRequestReview: false });
    expect(reviewSlot(closed, "q1")).toMatchObject({ kind: "request", review: { answer: "Revu." } });
    expect(reviewSlot(closed, "q2")).toEqual({ kind: "none" });
  });

  it("adds a new request to its copy only, once", () => {
    const copies = [copy(), copy({ copyId: "c2" })];
    const once = withReview(copies, "c1", review());
    const twice = withReview(once, "c1", review({ status: "ANSWERED" }));
    expect(twice[0]!.reviews).toEqual([review({ status: "ANSWERED" })]);
    expect(twice[1]!.reviews).toEqual([]);
    expect(copies[0]!.reviews).toEqual([]);
  });
});
