import { join } from "node:path";
import {
  FeedbackResolved,
  FeedbackSubmitted,
  FeedbackTriaged,
} from "../../../schemas/generated/feedback.ts";
import { viewContracts } from "../../contract.ts";
import { defineView, on, type RowWriter, written } from "../../engine/index.ts";

const key = ["feedback_id"];

/** Feedback items and their triage status (feedback database). */
export const feedbackView = defineView<RowWriter>({
  name: "feedback",
  ...viewContracts.feedback,
  migrationsDir: join(import.meta.dirname, "migrations"),
  handlers: [
    on(FeedbackSubmitted, (e, rows, r) =>
      rows.upsert("items", key, {
        feedback_id: e.feedbackId,
        user_id: e.userId,
        category: e.category,
        message: e.message,
        page: e.page,
        status: "submitted",
        priority: null,
        assignee_id: null,
        triage_note: null,
        resolution: null,
        resolution_note: null,
        submitted_at: e.occurredAt,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(FeedbackTriaged, (e, rows, r) =>
      rows.patch("items", key, {
        feedback_id: e.feedbackId,
        status: "triaged",
        priority: e.priority,
        assignee_id: e.assigneeId,
        triage_note: e.note,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(FeedbackResolved, (e, rows, r) =>
      rows.patch("items", key, {
        feedback_id: e.feedbackId,
        status: "resolved",
        resolution: e.resolution,
        resolution_note: e.note,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
  ],
});
