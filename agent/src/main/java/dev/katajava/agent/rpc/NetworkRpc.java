package dev.katajava.agent.rpc;

import com.google.protobuf.Empty;
import dev.katajava.agent.network.GuestLinks;
import dev.katajava.protocols.agent.AddARPNeighborsRequest;
import dev.katajava.protocols.agent.Interfaces;
import dev.katajava.protocols.agent.ListInterfacesRequest;
import dev.katajava.protocols.agent.ListRoutesRequest;
import dev.katajava.protocols.agent.Routes;
import dev.katajava.protocols.agent.UpdateInterfaceRequest;
import dev.katajava.protocols.agent.UpdateRoutesRequest;
import dev.katajava.ttrpc.Code;
import dev.katajava.ttrpc.ServiceRegistry;
import dev.katajava.ttrpc.TtrpcException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;

/** Kata's network calls: UpdateInterface, UpdateRoutes, AddARPNeighbors, ListInterfaces, ListRoutes. */
public final class NetworkRpc {
    private static final String AGENT = "grpc.AgentService";
    /** How long a NIC the host just plugged may take to be probed (seconds under TCG). */
    private static final Duration NIC_PATIENCE = Duration.ofSeconds(60);

    private final GuestLinks links;

    public NetworkRpc() {
        this(new GuestLinks(NIC_PATIENCE));
    }

    public NetworkRpc(GuestLinks links) {
        this.links = links;
    }

    public ServiceRegistry register(ServiceRegistry r) {
        return r
                .register(AGENT, "UpdateInterface", UpdateInterfaceRequest.parser(), (ctx, req) -> {
                    try {
                        return links.update(req.getInterface());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new TtrpcException(Code.CANCELLED, "update interface: interrupted", e);
                    } catch (IOException | RuntimeException e) {
                        throw failed("update interface " + req.getInterface().getName() + " ("
                                + req.getInterface().getHwAddr() + ")", e);
                    }
                })
                .register(AGENT, "UpdateRoutes", UpdateRoutesRequest.parser(), (ctx, req) -> {
                    try {
                        return Routes.newBuilder().addAllRoutes(links.updateRoutes(req.getRoutes().getRoutesList()))
                                .build();
                    } catch (IOException | RuntimeException e) {
                        throw failed("update routes", e);
                    }
                })
                .register(AGENT, "AddARPNeighbors", AddARPNeighborsRequest.parser(), (ctx, req) -> {
                    try {
                        links.addNeighbours(req.getNeighbors().getARPNeighborsList());
                        return Empty.getDefaultInstance();
                    } catch (IOException | RuntimeException e) {
                        throw failed("add ARP neighbours", e);
                    }
                })
                .register(AGENT, "ListInterfaces", ListInterfacesRequest.parser(), (ctx, req) -> {
                    try {
                        return Interfaces.newBuilder().addAllInterfaces(links.list()).build();
                    } catch (IOException e) {
                        throw failed("list interfaces", e);
                    }
                })
                .register(AGENT, "ListRoutes", ListRoutesRequest.parser(), (ctx, req) -> {
                    try {
                        return Routes.newBuilder().addAllRoutes(links.routes()).build();
                    } catch (IOException e) {
                        throw failed("list routes", e);
                    }
                });
    }

    private static TtrpcException failed(String what, Exception e) {
        Code code = e instanceof FileNotFoundException ? Code.NOT_FOUND
                : e instanceof IllegalArgumentException ? Code.INVALID_ARGUMENT : Code.INTERNAL;
        return new TtrpcException(code, what + ": " + e.getMessage(), e);
    }
}
