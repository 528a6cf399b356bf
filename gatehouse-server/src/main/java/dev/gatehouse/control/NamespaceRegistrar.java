package dev.gatehouse.control;

/** Registers a namespace the control plane created with the upstream Temporal Service. */
@FunctionalInterface
interface NamespaceRegistrar {
  NamespaceRegistrar NONE = (name, retentionDays) -> {};

  /** Registers {@code name}; never throws: the namespace exists in the store whatever the upstream says. */
  void register(String name, int retentionDays);

  /** Passes a changed retention upstream; never throws. */
  default void retentionChanged(String name, int retentionDays) {}
}
