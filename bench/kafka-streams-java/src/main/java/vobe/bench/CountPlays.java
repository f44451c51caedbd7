package vobe.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
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
 * <p>Args: bootstrap applicationId input output guarantee commitIntervalMs cacheMaxBytes
 * threads stateDir. Speaks to run.ts in JSON lines on stdout: {"event":"running"} once the
 * client is RUNNING, {"event":"stopped"} after close(). SIGTERM closes it.
 */
public final class CountPlays {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 9) {
      System.err.println(
          "usage: CountPlays bootstrap applicationId input output at_least_once|exactly_once_v2"
              + " commitIntervalMs cacheMaxBytes threads stateDir");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[4]);
    // Set explicitly for both guarantees: the defaults differ (100 ms EOS, 30 s ALOS), and
    // the bench gives both engines the same interval.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(args[5]));
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(args[6]));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[7]));
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[8]);
    // Kafka Streams' own default, stated: a new group reads the input from the start.
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[2], Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .groupByKey()
        .count(
            Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("plays-per-track"))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.Long())
                .withCachingEnabled())
        .toStream()
        .to(args[3], Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch closed = new CountDownLatch(1);
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.RUNNING && before == KafkaStreams.State.REBALANCING) {
            emit("{\"event\":\"running\"}");
          }
          if (now == KafkaStreams.State.ERROR) {
            emit("{\"event\":\"error\"}");
          }
        });
    streams.setUncaughtExceptionHandler(
        e -> {
          e.printStackTrace();
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close(Duration.ofSeconds(20));
                  emit("{\"event\":\"stopped\"}");
                  closed.countDown();
                }));
    streams.start();
    closed.await();
  }

  private static synchronized void emit(String line) {
    System.out.println(line);
    System.out.flush();
  }

}
