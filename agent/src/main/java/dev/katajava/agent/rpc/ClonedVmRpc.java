package dev.katajava.agent.rpc;

import com.google.protobuf.Empty;
import dev.katajava.linux.ErrnoException;
import dev.katajava.linux.RandomPool;
import dev.katajava.linux.RealtimeClock;
import dev.katajava.logging.Log;
import dev.katajava.protocols.agent.ReseedRandomDevRequest;
import dev.katajava.protocols.agent.SetGuestDateTimeRequest;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcException;

/**
 * Kata's calls for a VM resumed from a template: {@code ReseedRandomDev} (the clone starts with the template's
 * random pool) and {@code SetGuestDateTime} (its wall clock is where the template's stopped).
 */
public final class ClonedVmRpc {
    private static final String AGENT = "grpc.AgentService";
    private static final Log LOG = Log.of("agent");
    /** Kata sends 512 bytes; more than this is not a seed but a mistake. */
    static final int MAX_SEED = 64 * 1024;

    /** Mixes bytes into the guest's random pool and reseeds its generator. */
    @FunctionalInterface
    public interface Reseeder {
        void reseed(byte[] seed) throws ErrnoException;
    }

    /** Sets the guest's wall clock. */
    @FunctionalInterface
    public interface WallClock {
        void set(long seconds, long nanos) throws ErrnoException;
    }

    private final Reseeder random;
    private final WallClock clock;

    public ClonedVmRpc() {
        this(seed -> RandomPool.reseed("/dev/random", seed), RealtimeClock::set);
    }

    public ClonedVmRpc(Reseeder random, WallClock clock) {
        this.random = random;
        this.clock = clock;
    }

    public ServiceRegistry register(ServiceRegistry r) {
        return r
                .register(AGENT, "ReseedRandomDev", ReseedRandomDevRequest.parser(), (ctx, req) -> {
                    byte[] seed = req.getData().toByteArray();
                    if (seed.length == 0 || seed.length > MAX_SEED) {
                        throw new TtrpcException(Code.INVALID_ARGUMENT, "reseed random device: the seed must be 1 to "
                                + MAX_SEED + " bytes, got " + seed.length);
                    }
                    try {
                        random.reseed(seed);
                    } catch (ErrnoException e) {
                        throw new TtrpcException(Code.INTERNAL, "reseed random device: " + e.getMessage(), e);
                    }
                    LOG.info("random pool reseeded", "bytes", seed.length);
                    return Empty.getDefaultInstance();
                })
                .register(AGENT, "SetGuestDateTime", SetGuestDateTimeRequest.parser(), (ctx, req) -> {
                    if (req.getSec() < 0 || req.getUsec() < 0 || req.getUsec() >= 1_000_000) {
                        throw new TtrpcException(Code.INVALID_ARGUMENT, "set guest date and time: seconds must be"
                                + " >= 0 and microseconds 0 to 999999, got " + req.getSec() + " s " + req.getUsec()
                                + " us");
                    }
                    try {
                        clock.set(req.getSec(), req.getUsec() * 1000L);
                    } catch (ErrnoException e) {
                        throw new TtrpcException(Code.INTERNAL, "set guest date and time: " + e.getMessage(), e);
                    }
                    LOG.info("wall clock set", "sec", req.getSec());
                    return Empty.getDefaultInstance();
                });
    }
}
