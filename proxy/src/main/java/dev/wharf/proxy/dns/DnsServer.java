package dev.wharf.proxy.dns;

import dev.wharf.proxy.metrics.ProxyMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** The DNS listeners (SPEC §8): UDP and TCP on each bind address, answered by one {@link DnsQueryHandler} each. */
public final class DnsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    /** An idle TCP client is dropped after this many seconds (RFC 7766 suggests tens of seconds at most). */
    private static final int TCP_IDLE_SECONDS = 10;
    private static final int RECEIVE_BUFFER = 4 << 20;

    private final List<Channel> listeners = new ArrayList<>();

    public DnsServer(DnsZones zones, ProxyMetrics metrics, List<String> bind, int port, EventLoopGroup group,
                     Class<? extends DatagramChannel> udp, Class<? extends ServerSocketChannel> tcp) {
        DnsQueryHandler udpAnswers = new DnsQueryHandler(zones, metrics, true);
        DnsQueryHandler tcpAnswers = new DnsQueryHandler(zones, metrics, false);
        Bootstrap datagrams = new Bootstrap().group(group).channel(udp)
                // A burst of queries must wait in the socket, not be dropped by the kernel (capped by net.core.rmem_max).
                .option(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER)
                .handler(new ChannelInitializer<DatagramChannel>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
                ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), udpAnswers);
            }
        });
        ServerBootstrap streams = new ServerBootstrap().group(group).channel(tcp).childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new ReadTimeoutHandler(TCP_IDLE_SECONDS), new TcpDnsQueryDecoder(),
                        new TcpDnsResponseEncoder(), tcpAnswers);
            }
        });
        for (String address : bind) {
            Channel datagram = datagrams.bind(address, port).syncUninterruptibly().channel();
            int bound = ((InetSocketAddress) datagram.localAddress()).getPort(); // TCP on the same port, also for port 0
            listeners.add(datagram);
            listeners.add(streams.bind(address, bound).syncUninterruptibly().channel());
            log.info("answering DNS for {} on {} (UDP and TCP)", zones.zones(), datagram.localAddress());
        }
    }

    /** The port actually bound. */
    public int port() {
        return ((InetSocketAddress) listeners.get(0).localAddress()).getPort();
    }

    public boolean listening() {
        return listeners.stream().allMatch(Channel::isActive);
    }

    @Override
    public void close() {
        listeners.forEach(channel -> channel.close().syncUninterruptibly());
    }
}
