package dev.wharf.proxy.dns;

import dev.wharf.proxy.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsOptPseudoRecord;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.DefaultDnsQuestion;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Answers decoded DNS queries, over UDP and TCP alike, from {@link DnsZones}. A packet the decoder cannot read
 * is counted and dropped without a reply (over TCP the connection closes: its framing is lost). Over UDP an
 * answer larger than the client can take (512 bytes, or its EDNS size) goes out empty with TC set, so the
 * client asks again over TCP.
 */
@ChannelHandler.Sharable
public final class DnsQueryHandler extends SimpleChannelInboundHandler<DnsQuery> {

    private static final int CLASSIC_UDP_LIMIT = 512;

    private final DnsZones zones;
    private final ProxyMetrics metrics;
    private final boolean udp;

    public DnsQueryHandler(DnsZones zones, ProxyMetrics metrics, boolean udp) {
        this.zones = zones;
        this.metrics = metrics;
        this.udp = udp;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DnsQuery query) {
        DnsResponse response = respond(query);
        metrics.dnsQuery(questionType(query), response.code().toString());
        ctx.writeAndFlush(response).addListener(written -> {
            if (!written.isSuccess()) {
                // A question the decoder took but that cannot be written back (a label with a dot or a NUL in it):
                // nothing was sent, as for any other packet we cannot read.
                metrics.dnsMalformed();
            }
        });
    }

    private DnsResponse respond(DnsQuery query) {
        if (query.opCode() != DnsOpCode.QUERY) {
            return response(query, DnsResponseCode.NOTIMP);
        }
        if (query.count(DnsSection.QUESTION) != 1) {
            return response(query, DnsResponseCode.FORMERR);
        }
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        DnsZones.Answer answer = zones.answer(question.name(), question.type());
        DnsResponse response = response(query, answer.code());
        response.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type()));
        if (answer.code() != DnsResponseCode.NOERROR) {
            return response;
        }
        response.setAuthoritativeAnswer(true);
        if (udp && wireSize(question.name(), answer) > udpLimit(query)) {
            response.setTruncated(true);
            return response;
        }
        answer.answers().forEach(record -> response.addRecord(DnsSection.ANSWER, wire(record)));
        answer.authority().forEach(record -> response.addRecord(DnsSection.AUTHORITY, wire(record)));
        return response;
    }

    private DnsResponse response(DnsQuery query, DnsResponseCode code) {
        DnsResponse response = query instanceof DatagramDnsQuery datagram
                ? new DatagramDnsResponse(datagram.recipient(), datagram.sender(), query.id(), query.opCode(), code)
                : new DefaultDnsResponse(query.id(), query.opCode(), code);
        response.setRecursionDesired(query.isRecursionDesired());
        return response;
    }

    private static String questionType(DnsQuery query) {
        if (query.count(DnsSection.QUESTION) == 0) {
            return "none";
        }
        return query.<DnsQuestion>recordAt(DnsSection.QUESTION).type().name();
    }

    private static int udpLimit(DnsQuery query) {
        for (int i = 0; i < query.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord record = query.recordAt(DnsSection.ADDITIONAL, i);
            if (record instanceof DnsOptPseudoRecord opt) {
                return Math.max(CLASSIC_UDP_LIMIT, opt.dnsClass()); // RFC 6891: the class field carries the UDP size
            }
        }
        return CLASSIC_UDP_LIMIT;
    }

    /** The encoded size (Netty's encoder does not compress names): header, question, then every record. */
    static int wireSize(String questionName, DnsZones.Answer answer) {
        int size = 12 + nameSize(questionName) + 4;
        for (List<DnsZones.Record> section : List.of(answer.answers(), answer.authority())) {
            for (DnsZones.Record record : section) {
                size += nameSize(record.name()) + 10 + dataSize(record);
            }
        }
        return size;
    }

    private static int nameSize(String name) {
        String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return bare.isEmpty() ? 1 : bare.length() + 2;
    }

    /** What {@link #wire} writes as the record's data: an address, a name, or an SOA's two names and five numbers. */
    private static int dataSize(DnsZones.Record record) {
        if (record.type() == DnsRecordType.A) {
            return 4;
        }
        if (record.type() == DnsRecordType.NS) {
            return nameSize(record.data());
        }
        String[] fields = record.data().split(" ");
        return nameSize(fields[0]) + nameSize(fields[1]) + 5 * 4;
    }

    private static DnsRecord wire(DnsZones.Record record) {
        ByteBuf data = Unpooled.buffer(dataSize(record));
        if (record.type() == DnsRecordType.A) {
            for (String octet : record.data().split("\\.")) {
                data.writeByte(Integer.parseInt(octet));
            }
        } else if (record.type() == DnsRecordType.NS) {
            writeName(data, record.data());
        } else { // SOA: "mname rname serial refresh retry expire minimum"
            String[] fields = record.data().split(" ");
            writeName(data, fields[0]);
            writeName(data, fields[1]);
            for (int i = 2; i < 7; i++) {
                data.writeInt((int) Long.parseLong(fields[i]));
            }
        }
        return new DefaultDnsRawRecord(record.name() + ".", record.type(), record.ttl(), data);
    }

    /** A domain name in wire form: each label with its length, then the root's zero. */
    private static void writeName(ByteBuf out, String name) {
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                out.writeByte(label.length()).writeCharSequence(label, StandardCharsets.US_ASCII);
            }
        }
        out.writeByte(0);
    }

    /** A packet the codec could not read: counted, never answered. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        metrics.dnsMalformed();
        if (!udp) {
            ctx.close();
        }
    }
}
