/** The typed producer layer every service writes its events through. */
export {
  type AvroTypeFactory,
  EventValidationError,
  IllFormedTextError,
  SchemaNotRegisteredError,
} from "./encoder.ts";
export {
  type Actor,
  type Envelope,
  type EventContext,
  eventHeaders,
  type Role,
  systemActor,
} from "./envelope.ts";
export {
  createEventProducer,
  type EventProducer,
  type PendingEvent,
  type PublishedEvent,
} from "./event-producer.ts";
