package dev.doorward.device.media;

import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.protocol.Roster;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The doorbell's media epochs (docs/media.md "Media epochs"): a fresh random epoch key for every roster the
 * doorbell accepts and at least daily, so that a client removed from the roster cannot open anything sent
 * after its removal. Epoch keys live only in this object's memory; they are never written anywhere, logged
 * or shown by {@link #toString()}, and a restart makes a new one. Everything outside sees an epoch key only
 * as key envelopes (wrapped to one member each) or as SFrame senders and receivers derived from it.
 *
 * <p>After a rotation the previous epoch stays open for talk for a short grace period, so that a browser
 * still sealing with the old key while the new envelope travels to it is not cut off mid-sentence. The
 * doorbell itself seals only with the current epoch.
 *
 * <p>Thread-safe.
 */
public final class MediaEpochs {
    private static final Logger log = LoggerFactory.getLogger(MediaEpochs.class);

    public static final int SLOT_VIDEO = 0;
    public static final int SLOT_AUDIO = 1;
    public static final int SLOT_STILL = 2;
    /** The talk slot of the i-th roster member is {@code FIRST_CLIENT_SLOT + i}. */
    public static final int FIRST_CLIENT_SLOT = 16;

    public static final String LABEL_VIDEO = "device-video";
    public static final String LABEL_AUDIO = "device-audio";
    public static final String LABEL_STILL = "device-still";
    public static final String CLIENT_LABEL_PREFIX = "client-";

    /** An epoch older than this must be replaced (DESIGN §6: "at least daily"). */
    public static final Duration MAX_AGE = Duration.ofHours(24);
    /** How long the previous epoch still opens talk after a rotation. */
    public static final Duration DEFAULT_TALK_GRACE = Duration.ofSeconds(30);

    private final String deviceId;
    private final Clock clock;
    private final SecureRandom random;
    private final Duration talkGrace;

    private Epoch current;
    /** Earlier epochs still within their talk grace period, newest first. */
    private final List<Epoch> previous = new ArrayList<>();

    public MediaEpochs(String deviceId, Clock clock, SecureRandom random) {
        this(deviceId, clock, random, DEFAULT_TALK_GRACE);
    }

    public MediaEpochs(String deviceId, Clock clock, SecureRandom random, Duration talkGrace) {
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
        if (deviceId.contains("|")) {
            throw new IllegalArgumentException("device id cannot contain '|'");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.talkGrace = Objects.requireNonNull(talkGrace, "talkGrace");
        if (talkGrace.isNegative()) {
            throw new IllegalArgumentException("grace period is negative");
        }
    }

    /** The SFrame key id of a sender: {@code mediaEpoch × 256 + slot}. */
    public static long kid(long mediaEpoch, int slot) {
        if (slot < 0 || slot > 255) {
            throw new IllegalArgumentException("slot out of range");
        }
        return mediaEpoch * 256 + slot;
    }

    /**
     * The doorbell's senders of the current epoch. Senders count from 0 in every epoch, which is safe
     * because every epoch has a new key.
     */
    public record Senders(long mediaEpoch, Sender video, Sender audio, Sender still) {
        @Override
        public String toString() {
            return "Senders[epoch " + mediaEpoch + "]";
        }
    }

    /**
     * Starts a new epoch for {@code roster} and returns one key envelope per member that may receive it (in
     * roster order; a member whose validity has ended is left out but keeps its slot number). The caller
     * sends each as a {@code media-key} message. The previous epoch keeps opening talk for the grace period.
     *
     * @throws IllegalArgumentException if a member's agreement key is not a P-256 key (a verified roster
     *     never has one); no epoch is started then
     */
    public List<Envelope> rotate(Roster roster) {
        Objects.requireNonNull(roster, "roster");
        Instant now = clock.instant();
        byte[] key = new byte[MediaKeyWrap.EPOCH_KEY_LENGTH];
        random.nextBytes(key);
        List<Roster.Member> members = roster.members();
        List<String> clientIds = new ArrayList<>(members.size());
        for (Roster.Member member : members) {
            clientIds.add(member.clientId());
        }
        synchronized (this) {
            long number = Math.max(current == null ? 1 : current.number + 1, now.getEpochSecond());
            List<Envelope> envelopes = new ArrayList<>(members.size());
            Instant firstExpiry = null;
            for (int i = 0; i < members.size(); i++) {
                Roster.Member member = members.get(i);
                // A member kept away from this doorbell gets no key to it (its slot number stays).
                if (roster.accessOf(member.clientId())
                        .map(a -> !a.allowsDevice(deviceId))
                        .orElse(false)) {
                    continue;
                }
                Optional<Long> validUntil = member.validUntil();
                if (validUntil.isPresent()) {
                    Instant until = Instant.ofEpochMilli(validUntil.get());
                    if (!now.isBefore(until)) {
                        continue;
                    }
                    firstExpiry = firstExpiry == null || until.isBefore(firstExpiry) ? until : firstExpiry;
                }
                MediaKeyWrap.Context context =
                        new MediaKeyWrap.Context(deviceId, number, member.clientId(), FIRST_CLIENT_SLOT + i);
                try {
                    envelopes.add(MediaKeyWrap.wrap(context, key, member.agreementKeyBytes(), random));
                } catch (RuntimeException e) {
                    Arrays.fill(key, (byte) 0);
                    throw new IllegalArgumentException(
                            "member " + member.clientId() + " has an unusable agreement key");
                }
            }
            Epoch epoch = new Epoch(number, key, now, firstExpiry, roster, clientIds);
            if (current != null) {
                current.endedAt = now;
                previous.add(0, current);
            }
            current = epoch;
            prune(now);
            log.info("media epoch {} started for {} member(s)", number, envelopes.size());
            return List.copyOf(envelopes);
        }
    }

    /**
     * Starts a new epoch for the roster of the current one (the daily rotation, or a member's validity
     * ending).
     *
     * @throws IllegalStateException if there has been no epoch yet
     */
    public List<Envelope> rotate() {
        Roster roster;
        synchronized (this) {
            if (current == null) {
                throw new IllegalStateException("no roster yet");
            }
            roster = current.roster;
        }
        return rotate(roster);
    }

    /**
     * True when the current epoch must be replaced: it is {@link #MAX_AGE} old, or a member who received
     * its key has since reached the end of its validity (a guest's access ends at its time, not up to a day
     * later). False when there is no epoch at all (no roster: nobody to give a key to).
     */
    public synchronized boolean needsRotation(Instant now) {
        if (current == null) {
            return false;
        }
        return needsDailyRotation(now) || (current.firstExpiry != null && !now.isBefore(current.firstExpiry));
    }

    /** True when the current epoch is {@link #MAX_AGE} old or older. */
    public synchronized boolean needsDailyRotation(Instant now) {
        return current != null && !now.isBefore(current.createdAt.plus(MAX_AGE));
    }

    /** The doorbell's senders of the current epoch, or empty before the first roster. */
    public synchronized Optional<Senders> current() {
        return current == null ? Optional.empty() : Optional.of(current.senders);
    }

    /** The current media epoch number, if any. */
    public synchronized Optional<Long> currentEpoch() {
        return current == null ? Optional.empty() : Optional.of(current.number);
    }

    /**
     * The receiver for the talk stream with this SFrame KID: the KID names an epoch that is current or
     * within its grace period, and a talk slot that belongs to a member of that epoch's roster. The same
     * receiver (and so the same replay window) is returned for every frame of that stream.
     */
    public synchronized Optional<Receiver> talkReceiver(long kid) {
        if (kid < 0) {
            return Optional.empty();
        }
        prune(clock.instant());
        long number = kid >>> 8;
        int slot = (int) (kid & 0xff);
        Epoch epoch = null;
        if (current != null && current.number == number) {
            epoch = current;
        } else {
            for (Epoch candidate : previous) {
                if (candidate.number == number) {
                    epoch = candidate;
                }
            }
        }
        if (epoch == null) {
            return Optional.empty();
        }
        int index = slot - FIRST_CLIENT_SLOT;
        if (index < 0 || index >= epoch.clientIds.size()) {
            return Optional.empty();
        }
        return Optional.of(epoch.talkReceiver(index));
    }

    /** Drops (and zeroes) epochs whose grace period is over. */
    private void prune(Instant now) {
        for (Iterator<Epoch> it = previous.iterator(); it.hasNext(); ) {
            Epoch epoch = it.next();
            if (!now.isBefore(epoch.endedAt.plus(talkGrace))) {
                epoch.destroy();
                it.remove();
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "MediaEpochs[device " + deviceId + ", epoch " + (current == null ? "none" : current.number) + ", "
                + previous.size() + " in grace, keys redacted]";
    }

    /** One epoch: its key (memory only), its roster's client ids by slot and its senders. */
    private static final class Epoch {
        final long number;
        final byte[] key;
        final Instant createdAt;
        final Instant firstExpiry;
        final Roster roster;
        final List<String> clientIds;
        final Senders senders;
        final Map<Integer, Receiver> talk = new HashMap<>();
        Instant endedAt;

        Epoch(long number, byte[] key, Instant createdAt, Instant firstExpiry, Roster roster, List<String> ids) {
            this.number = number;
            this.key = key;
            this.createdAt = createdAt;
            this.firstExpiry = firstExpiry;
            this.roster = roster;
            this.clientIds = List.copyOf(ids);
            this.senders = new Senders(
                    number,
                    sender(SLOT_VIDEO, LABEL_VIDEO),
                    sender(SLOT_AUDIO, LABEL_AUDIO),
                    sender(SLOT_STILL, LABEL_STILL));
        }

        private Sender sender(int slot, String label) {
            return new Sender(context(slot, label));
        }

        private SFrameContext context(int slot, String label) {
            byte[] base = SFrameContext.senderKey(key, label);
            try {
                return new SFrameContext(CipherSuite.DEFAULT, kid(number, slot), base);
            } finally {
                Arrays.fill(base, (byte) 0);
            }
        }

        Receiver talkReceiver(int index) {
            return talk.computeIfAbsent(index, i -> {
                Receiver receiver = new Receiver();
                receiver.addKey(context(FIRST_CLIENT_SLOT + i, CLIENT_LABEL_PREFIX + clientIds.get(i)));
                return receiver;
            });
        }

        void destroy() {
            Arrays.fill(key, (byte) 0);
            talk.clear();
        }

        @Override
        public String toString() {
            return "Epoch[" + number + ", key redacted]";
        }
    }
}
