/**
 * The versions of every native service, in one place: the Maven resolver, the
 * docker-compose check and the README all read these.
 */
export const versions = {
  kafka: "4.1.1",
  apicurio: "3.0.9",
  opensearch: "2.19.1",
  opensearchRunner: "2.19.1.0",
  postgresMajor: 15,
  /** Java needed by all three JVM services (Kafka 4 brokers need 17+). */
  javaMajor: 17,
} as const;
