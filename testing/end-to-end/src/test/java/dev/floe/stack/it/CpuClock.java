package dev.floe.stack.it;

import dev.floe.stack.LocalStack;
import dev.floe.stack.host.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;

/**
 * The CPU time each part of a pipeline run has used so far, from {@code /proc}: each service, the
 * broker, this test JVM (the writers, the jobs and the checks), PostgreSQL's processes, and the
 * whole machine. Two samples give what each part used between them, which says where the cores went
 * while commits were written and drained. {@link #compilers} tells apart the share of each JVM's
 * time its JIT compiler threads took: a JVM that has just started spends much of its CPU compiling
 * the code it runs, which a service running for days has long done.
 */
final class CpuClock {
  /** Linux reports process and machine times in ticks of 1/100 s (USER_HZ). */
  private static final long MILLIS_PER_TICK = 10;

  private CpuClock() {}

  /** CPU milliseconds used so far, by part. */
  static Map<String, Long> sample(LocalStack stack) {
    Map<String, Long> ms = jvms(stack, CpuClock::process);
    ms.put("postgres", postgres());
    ms.put("machine", machine());
    return ms;
  }

  /**
   * CPU milliseconds each JVM's JIT compiler threads have used so far, by part: a lower bound,
   * since HotSpot stops compiler threads it no longer needs, and their time leaves with them (a
   * difference of two samples can even be negative).
   */
  static Map<String, Long> compilers(LocalStack stack) {
    return jvms(stack, CpuClock::compilerThreads);
  }

  /** {@code of} each JVM's pid: each service, the broker and this test JVM, by part. */
  private static Map<String, Long> jvms(LocalStack stack, LongUnaryOperator of) {
    Map<String, Long> ms = new LinkedHashMap<>();
    for (ServiceProcess service : stack.services()) {
      ms.put(service.name(), of.applyAsLong(service.pid()));
    }
    ms.put("broker", of.applyAsLong(stack.kafka().pid()));
    ms.put("test-jvm", of.applyAsLong(ProcessHandle.current().pid()));
    return ms;
  }

  /** CPU seconds used between two samples, by part. */
  static Map<String, Double> between(Map<String, Long> from, Map<String, Long> to) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    to.forEach(
        (part, ms) ->
            seconds.put(part, Math.round((ms - from.getOrDefault(part, 0L)) / 10.0) / 100.0));
    return seconds;
  }

  /** User and system time of one process, in ms; 0 once it is gone. */
  private static long process(long pid) {
    return time(Path.of("/proc", Long.toString(pid), "stat"));
  }

  /**
   * User and system time of a JVM's JIT compiler threads ({@code C1 CompilerThread0}, {@code C2
   * CompilerThread1}, ..., which the kernel names by their first 15 characters), in ms.
   */
  private static long compilerThreads(long pid) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return tasks
          .filter(task -> comm(task).matches("C\\d CompilerThre.*"))
          .mapToLong(task -> time(task.resolve("stat")))
          .sum();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** User and system time in a {@code stat} file of a process or a thread, in ms; 0 if gone. */
  private static long time(Path stat) {
    try {
      String line = Files.readString(stat);
      // Fields after the command name, which is in parentheses and may hold spaces: the state is
      // the first, user time the 12th, system time the 13th.
      String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MILLIS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Every PostgreSQL process's time, in ms (backends that ended meanwhile are not counted). */
  private static long postgres() {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> comm(p).equals("postgres"))
          .mapToLong(p -> process(Long.parseLong(p.getFileName().toString())))
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String comm(Path proc) {
    try {
      return Files.readString(proc.resolve("comm")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** The machine's busy time over all cores, in ms: all but idle and I/O wait. */
  private static long machine() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) { // idle, iowait
          busy += Long.parseLong(f[i]);
        }
      }
      return busy * MILLIS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
