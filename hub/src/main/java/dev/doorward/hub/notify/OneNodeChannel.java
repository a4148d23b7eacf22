package dev.doorward.hub.notify;

/**
 * A channel that, in a cluster, only one node sends on (MQTT: one broker link per household). That node also gets,
 * through {@link Notifier#fromAnotherNode}, the household notices that happened on the other nodes, so each goes out
 * once. Must return at once, as every channel.
 */
public interface OneNodeChannel extends NoticeChannel {
    void fromAnotherNode(Audience.Household audience, Notice notice);
}
