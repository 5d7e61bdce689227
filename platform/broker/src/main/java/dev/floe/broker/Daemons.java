package dev.floe.broker;

import java.util.concurrent.ThreadFactory;

/** Threads of a service's own pools: named, so a thread dump says whose they are, and daemons. */
public final class Daemons {
  private Daemons() {}

  /** Makes daemon threads called {@code name}. */
  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
