/**
 * Which topic and record a registry subject is about, and whether that topic is the
 * platform's data or machinery (ops/catalog/topic-kinds.ts's rule). Our subjects are
 * `<topic>-<record full name>` (schemas/event-type.ts, TopicRecordNameStrategy); a tool on
 * the side (Kafka Connect's converter) may register `<topic>-key|value`.
 */
import { catalog, type TopicEntry } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { classifyTopic, type TopicKind } from "../catalog/topic-kinds.ts";

export interface SubjectClass {
  subject: string;
  /** The topic the subject's records are written to; null when the name says nothing. */
  topic: string | null;
  /** The record's full name, or `key`/`value` for a topic-named subject. */
  record: string | null;
  /** "domain" for a catalog topic's event, else the topic's internal kind. */
  kind: TopicKind;
}

const recordNamed = /^(.+)-([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)$/;
const topicNamed = /^(.+)-(key|value)$/;

export function classifySubject(
  subject: string,
  options: { prefix?: string; entries?: readonly TopicEntry[] } = {},
): SubjectClass {
  const prefix = options.prefix ?? "";
  const entries = options.entries ?? catalog;
  for (const entry of entries) {
    for (const event of entry.events) {
      if (subjectOf({ topic: `${prefix}${entry.name}`, name: event.name }) === subject) {
        return { subject, topic: `${prefix}${entry.name}`, record: event.name, kind: "domain" };
      }
    }
  }
  const match = recordNamed.exec(subject) ?? topicNamed.exec(subject);
  if (!match) return { subject, topic: null, record: null, kind: "unknown" };
  const topic = match[1] as string;
  return {
    subject,
    topic,
    record: match[2] as string,
    kind: classifyTopic(topic, { prefix, entries }).kind,
  };
}
