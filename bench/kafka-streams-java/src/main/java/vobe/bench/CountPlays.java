package vobe.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The count topology of bench/kafka-streams-java on Kafka Streams: plays keyed by track id
 * (String keys, values left as bytes: nothing decodes them, as on our side), counted per key
 * in an in-memory store behind the record cache, counts to the output as 8-byte longs.
 *
 * <p>A host for one application at a time, driven by run.ts over stdin, one command a line,
 * fields separated by tabs:
 *
 * <pre>
 * start  bootstrap applicationId input output at_least_once|exactly_once_v2
 *        commitIntervalMs cacheMaxBytes threads stateDir
 * stop
 * </pre>
 *
 * It answers in JSON lines on stdout: {"event":"running"} once the client is RUNNING,
 * {"event":"stopped"} after close(), {"event":"error"} if the client fails. The same JVM can
 * run one application after another, so a warm-up run warms the JIT for the timed ones.
 * End of stdin or SIGTERM closes the current application and exits.
 */
public final class CountPlays {
  private static KafkaStreams current;

  public static void main(String[] args) throws Exception {
    Runtime.getRuntime().addShutdownHook(new Thread(CountPlays::closeCurrent));
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] f = line.split("\t");
      switch (f[0]) {
        case "start" -> start(f);
        case "stop" -> {
          closeCurrent();
          emit("{\"event\":\"stopped\"}");
        }
        default -> throw new IllegalArgumentException("unknown command: " + line);
      }
    }
    closeCurrent();
  }

  private static void start(String[] f) {
    if (f.length != 10) throw new IllegalArgumentException("start takes 9 fields");
    closeCurrent();
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, f[1]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, f[2]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, f[5]);
    // Set for both guarantees: the defaults differ (100 ms EOS, 30 s ALOS), and the bench
    // gives both engines the same interval.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(f[6]));
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(f[7]));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(f[8]));
    props.put(StreamsConfig.STATE_DIR_CONFIG, f[9]);
    // Kafka Streams' own default, stated: a new group reads the input from the start.
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(f[3], Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .groupByKey()
        .count(
            Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("plays-per-track"))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.Long())
                .withCachingEnabled())
        .toStream()
        .to(f[4], Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    // Said once per application: a later rebalance (REBALANCING -> RUNNING) is not a start.
    AtomicBoolean ran = new AtomicBoolean();
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.RUNNING && !ran.getAndSet(true)) {
            emit("{\"event\":\"running\"}");
          }
          if (now == KafkaStreams.State.ERROR) emit("{\"event\":\"error\"}");
        });
    streams.setUncaughtExceptionHandler(
        e -> {
          e.printStackTrace();
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    synchronized (CountPlays.class) {
      current = streams;
    }
    streams.start();
  }

  private static void closeCurrent() {
    KafkaStreams streams;
    synchronized (CountPlays.class) {
      streams = current;
      current = null;
    }
    if (streams != null) streams.close(Duration.ofSeconds(20));
  }

  private static synchronized void emit(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
