// optiopay-client drives optiopay/kafka 2.1.1 (Debian's golang-github-optiopay-kafka-dev) against a Kafka cluster
// for the interop tests. The library has its own protocol code: it asks ApiVersions (v0) on each connection and then
// speaks the highest version both sides know of its own ranges: Produce v2 (with magic 0 messages), Fetch v5,
// ListOffsets v2, Metadata v5, OffsetCommit v3, OffsetFetch v3, FindCoordinator v1, and CreateTopics v0. Each
// subcommand prints one JSON object on stdout; a failure exits non-zero with the error on stderr. Built in GOPATH
// mode: GO111MODULE=off GOPATH=/usr/share/gocode go build.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/optiopay/kafka/v2"
	"github.com/optiopay/kafka/v2/proto"
)

var (
	bootstrap   = flag.String("bootstrap", "127.0.0.1:9092", "bootstrap servers, comma separated")
	topic       = flag.String("topic", "", "topic")
	group       = flag.String("group", "", "consumer group whose offsets the offset coordinator keeps")
	partition   = flag.Int("partition", 0, "partition to produce to or consume from")
	start       = flag.Int("start", 0, "first record number to produce")
	count       = flag.Int("count", 10, "records to produce or consume")
	compression = flag.String("compression", "none", "none, gzip or snappy")
	distribute  = flag.String("distribute", "", "produce through a distributing producer: roundrobin, hash or random; empty: all to -partition")
	from        = flag.String("from", "oldest", "where the consumer starts: oldest, newest or an offset")
	batch       = flag.Bool("batch", false, "consume with the batch consumer")
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: optiopay-client metadata|produce|consume|offsets [flags]"))
	}
	command := os.Args[1]
	if err := flag.CommandLine.Parse(os.Args[2:]); err != nil {
		fail(err)
	}
	commands := map[string]func(*kafka.Broker) (interface{}, error){
		"metadata": metadata, "produce": produce, "consume": consume, "offsets": offsets,
	}
	run, ok := commands[command]
	if !ok {
		fail(fmt.Errorf("unknown command %q", command))
	}
	conf := kafka.NewBrokerConf("optiopay-interop")
	conf.DialRetryLimit = 3
	conf.LeaderRetryWait = 200 * time.Millisecond
	conf.RetryErrWait = 200 * time.Millisecond
	broker, err := kafka.Dial(strings.Split(*bootstrap, ","), conf)
	if err != nil {
		fail(err)
	}
	defer broker.Close()
	result, err := run(broker)
	if err != nil {
		broker.Close()
		fail(err)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "optiopay-client:", err)
	os.Exit(1)
}

func errorText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// metadata creates -topic (3 partitions, 3 replicas) and asks for it again, then reports the cluster's metadata:
// brokers, controller, and each partition of -topic with its leader, replicas and ISR.
func metadata(broker *kafka.Broker) (interface{}, error) {
	steps := map[string]interface{}{}
	create := func(name string, partitions int32, replicas int16) (string, error) {
		resp, err := broker.CreateTopic([]proto.TopicInfo{{Topic: name, NumPartitions: partitions, ReplicationFactor: replicas}}, 10*time.Second, false)
		if err != nil {
			return "", err
		}
		return errorText(resp.TopicErrors[0].Err), nil
	}
	var err error
	if steps["create"], err = create(*topic, 3, 3); err != nil {
		return nil, err
	}
	if steps["create_again"], err = create(*topic, 3, 3); err != nil {
		return nil, err
	}
	if steps["create_too_many_replicas"], err = create(*topic+"-wide", 1, 5); err != nil {
		return nil, err
	}
	meta, err := broker.Metadata()
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, b := range meta.Brokers {
		ids = append(ids, int(b.NodeID))
	}
	sort.Ints(ids)
	steps["brokers"] = ids
	steps["controller"] = meta.ControllerID
	steps["cluster_id"] = meta.ClusterID
	partitions := map[string]interface{}{}
	for _, t := range meta.Topics {
		if t.Name != *topic {
			continue
		}
		for _, p := range t.Partitions {
			partitions[strconv.Itoa(int(p.ID))] = map[string]interface{}{"leader": p.Leader, "replicas": p.Replicas, "isr": p.Isrs, "error": errorText(p.Err)}
		}
	}
	steps["partitions"] = partitions
	return steps, nil
}

func codec(name string) (proto.Compression, error) {
	switch name {
	case "none":
		return proto.CompressionNone, nil
	case "gzip":
		return proto.CompressionGzip, nil
	case "snappy":
		return proto.CompressionSnappy, nil
	}
	return 0, fmt.Errorf("unknown compression %q", name)
}

// produce writes key-i/value-i for i in [-start, -start + -count) with acks=all: all in one request to -partition,
// or one message at a time through a distributing producer. It reports the offset each message was given.
func produce(broker *kafka.Broker) (interface{}, error) {
	conf := kafka.NewProducerConf()
	c, err := codec(*compression)
	if err != nil {
		return nil, err
	}
	conf.Compression = c
	conf.RetryWait = 100 * time.Millisecond
	producer := broker.Producer(conf)
	var messages []*proto.Message
	for i := *start; i < *start+*count; i++ {
		messages = append(messages, &proto.Message{Key: []byte(fmt.Sprintf("key-%d", i)), Value: []byte(fmt.Sprintf("value-%d", i))})
	}
	offsets := map[string]int64{}
	if *distribute == "" {
		first, err := producer.Produce(*topic, int32(*partition), messages...)
		if err != nil {
			return nil, err
		}
		for _, m := range messages {
			offsets[string(m.Value)] = m.Offset
		}
		return map[string]interface{}{"first": first, "offsets": offsets}, nil
	}
	partitions, err := broker.PartitionCount(*topic)
	if err != nil {
		return nil, err
	}
	distributors := map[string]func(kafka.Producer, int32) kafka.DistributingProducer{
		"roundrobin": kafka.NewRoundRobinProducer, "hash": kafka.NewHashProducer, "random": kafka.NewRandomProducer,
	}
	newDistributor, ok := distributors[*distribute]
	if !ok {
		return nil, fmt.Errorf("unknown distributing producer %q", *distribute)
	}
	distributor := newDistributor(producer, partitions)
	for _, m := range messages {
		offset, err := distributor.Distribute(*topic, m)
		if err != nil {
			return nil, err
		}
		offsets[string(m.Value)] = offset
	}
	return map[string]interface{}{"offsets": offsets}, nil
}

type record struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Tip       int64  `json:"tip"`
}

// consume reads -count messages of -partition from -from, message by message or in batches.
func consume(broker *kafka.Broker) (interface{}, error) {
	conf := kafka.NewConsumerConf(*topic, int32(*partition))
	conf.RequestTimeout = 100 * time.Millisecond
	conf.RetryLimit = 200
	conf.RetryErrWait = 200 * time.Millisecond
	switch *from {
	case "oldest":
		conf.StartOffset = kafka.StartOffsetOldest
	case "newest":
		conf.StartOffset = kafka.StartOffsetNewest
	default:
		offset, err := strconv.ParseInt(*from, 10, 64)
		if err != nil {
			return nil, err
		}
		conf.StartOffset = offset
	}
	var out []record
	add := func(m *proto.Message) {
		out = append(out, record{m.Partition, m.Offset, string(m.Key), string(m.Value), m.TipOffset})
	}
	if *batch {
		consumer, err := broker.BatchConsumer(conf)
		if err != nil {
			return nil, err
		}
		for len(out) < *count {
			messages, err := consumer.ConsumeBatch()
			if err != nil {
				return nil, fmt.Errorf("after %d messages: %v", len(out), err)
			}
			for _, m := range messages {
				add(m)
			}
		}
	} else {
		consumer, err := broker.Consumer(conf)
		if err != nil {
			return nil, err
		}
		for len(out) < *count {
			m, err := consumer.Consume()
			if err != nil {
				return nil, fmt.Errorf("after %d messages: %v", len(out), err)
			}
			add(m)
		}
	}
	return map[string]interface{}{"records": out}, nil
}

// exchange sends one request at the given version through optiopay's proto encoder and returns the response bytes
// for its decoder.
type exchange struct {
	conn   net.Conn
	reader *bufio.Reader
	id     int32
}

func dialExchange(address string) (*exchange, error) {
	conn, err := net.DialTimeout("tcp", address, 10*time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	return &exchange{conn: conn, reader: bufio.NewReader(conn)}, nil
}

func (e *exchange) send(req proto.Request, version int16) (*bytes.Reader, error) {
	e.id++
	proto.SetVersion(req.GetHeader(), version)
	proto.SetCorrelationID(req.GetHeader(), e.id)
	req.GetHeader().ClientID = "optiopay-interop"
	if _, err := req.WriteTo(e.conn); err != nil {
		return nil, err
	}
	_, b, err := proto.ReadResp(e.reader)
	return bytes.NewReader(b), err
}

// offsets: the earliest and latest offset of each of the 3 partitions of -topic (ListOffsets through the library);
// the library's own offset coordinator, which sends FindCoordinator v1 without its key type; then, through
// optiopay's proto encoder and decoder on a connection of our own, FindCoordinator v0 and OffsetCommit and
// OffsetFetch at v1, v2 and v3: simple commits (generation -1), a commit at generation 0 (what the library's
// coordinator sends), one to a missing topic, and what each version reads back.
func offsets(broker *kafka.Broker) (interface{}, error) {
	steps := map[string]interface{}{}
	ends := map[string][]int64{}
	for p := int32(0); p < 3; p++ {
		earliest, err := broker.OffsetEarliest(*topic, p)
		if err != nil {
			return nil, err
		}
		latest, err := broker.OffsetLatest(*topic, p)
		if err != nil {
			return nil, err
		}
		ends[strconv.Itoa(int(p))] = []int64{earliest, latest}
	}
	steps["ends"] = ends
	_, err := broker.OffsetLatest(*topic+"-missing", 0)
	steps["latest_of_missing_topic"] = errorText(err)

	conf := kafka.NewOffsetCoordinatorConf(*group)
	conf.RetryErrLimit = 1
	_, err = broker.OffsetCoordinator(conf)
	steps["library_coordinator"] = errorText(err)

	lookup, err := dialExchange(strings.Split(*bootstrap, ",")[0])
	if err != nil {
		return nil, err
	}
	defer lookup.conn.Close()
	r, err := lookup.send(&proto.ConsumerMetadataReq{ConsumerGroup: *group}, 0)
	if err != nil {
		return nil, err
	}
	found, err := proto.ReadVersionedConsumerMetadataResp(r, 0)
	if err != nil {
		return nil, err
	}
	if found.Err != nil {
		return nil, found.Err
	}
	coordinator, err := dialExchange(fmt.Sprintf("%s:%d", found.CoordinatorHost, found.CoordinatorPort))
	if err != nil {
		return nil, err
	}
	defer coordinator.conn.Close()
	commit := func(version int16, generation int32, name string, partition int32, offset int64, metadata string) (string, error) {
		r, err := coordinator.send(&proto.OffsetCommitReq{ConsumerGroup: *group, GroupGenerationID: generation, RetentionTime: -1,
			Topics: []proto.OffsetCommitReqTopic{{Name: name, Partitions: []proto.OffsetCommitReqPartition{
				{ID: partition, Offset: offset, TimeStamp: time.Now(), Metadata: metadata}}}}}, version)
		if err != nil {
			return "", err
		}
		resp, err := proto.ReadVersionedOffsetCommitResp(r, version)
		if err != nil {
			return "", err
		}
		return errorText(resp.Topics[0].Partitions[0].Err), nil
	}
	versions := map[string]interface{}{}
	for version := int16(1); version <= 3; version++ {
		v := map[string]interface{}{}
		offset := int64(10 * version)
		if v["commit"], err = commit(version, -1, *topic, 0, offset, fmt.Sprintf("v%d", version)); err != nil {
			return nil, err
		}
		if v["commit_generation_0"], err = commit(version, 0, *topic, 1, offset, ""); err != nil {
			return nil, err
		}
		if v["commit_missing_topic"], err = commit(version, -1, *topic+"-missing", 0, offset, ""); err != nil {
			return nil, err
		}
		r, err := coordinator.send(&proto.OffsetFetchReq{ConsumerGroup: *group, Topics: []proto.OffsetFetchReqTopic{{Name: *topic, Partitions: []int32{0, 2}}}}, version)
		if err != nil {
			return nil, err
		}
		fetched, err := proto.ReadVersionedOffsetFetchResp(r, version)
		if err != nil {
			return nil, err
		}
		read := map[string]interface{}{"error": errorText(fetched.Err)}
		for _, p := range fetched.Topics[0].Partitions {
			read[strconv.Itoa(int(p.ID))] = []interface{}{p.Offset, p.Metadata, errorText(p.Err)}
		}
		v["fetched"] = read
		versions[fmt.Sprintf("v%d", version)] = v
	}
	steps["versions"] = versions
	return steps, nil
}
