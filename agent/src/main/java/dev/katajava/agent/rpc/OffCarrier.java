package dev.katajava.agent.rpc;

import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.TtrpcException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a handler's call that blocks in the kernel (a read or write on a process's pipe) on a platform thread,
 * while the request's virtual thread waits for it unmounted.
 *
 * <p>Why: the JDK does not give a virtual thread blocked in a pipe read a spare carrier, and a one-vCPU guest
 * has a single carrier. One ReadStdout waiting on a quiet process would then hold it, and no other request
 * (exec, signal, wait) would run until the process wrote something.
 */
final class OffCarrier {
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("agent-io-", 0).stackSize(256 * 1024).factory());

    /** A call that may block and may fail as a request does. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws TtrpcException;
    }

    private OffCarrier() {
    }

    static <T> T run(Call<T> call) throws TtrpcException {
        Future<T> result = THREADS.submit(call::run);
        try {
            return result.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TtrpcException t) {
                throw t;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new TtrpcException(Code.INTERNAL, cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.cancel(true);
            throw new TtrpcException(Code.CANCELLED, "interrupted while waiting for the process's stdio");
        }
    }
}
