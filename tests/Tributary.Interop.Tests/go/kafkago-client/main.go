// kafkago-client drives segmentio/kafka-go 0.2.1 (Debian's golang-github-segmentio-kafka-go-dev) against a Kafka
// cluster for the interop tests. kafka-go 0.2.1 has its own protocol code and never asks ApiVersions: it speaks fixed
// versions (Produce v2, Fetch v2, ListOffsets v1, Metadata v1, CreateTopics v0, DeleteTopics v1, FindCoordinator v0,
// JoinGroup v1, SyncGroup v0, Heartbeat v0, LeaveGroup v0, OffsetCommit v2, OffsetFetch v1). Each subcommand prints
// one JSON object on stdout; a failure exits non-zero with the error on stderr. Built in GOPATH mode:
// GO111MODULE=off GOPATH=/usr/share/gocode go build.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/gzip"
	"github.com/segmentio/kafka-go/lz4"
	"github.com/segmentio/kafka-go/snappy"
)

var (
	bootstrap   = flag.String("bootstrap", "127.0.0.1:9092", "bootstrap servers, comma separated")
	topic       = flag.String("topic", "", "topic")
	group       = flag.String("group", "", "consumer group")
	partition   = flag.Int("partition", 0, "partition the reader reads")
	offset      = flag.Int64("offset", kafka.FirstOffset, "offset the partition reader starts at (-2 first, -1 last)")
	start       = flag.Int("start", 0, "first record number to write")
	count       = flag.Int("count", 10, "records to write or read")
	compression = flag.String("compression", "none", "none, gzip, snappy or lz4")
	balancer    = flag.String("balancer", "roundrobin", "the writer's balancer: roundrobin, leastbytes or hash")
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: kafkago-client conn|write|read|group [flags]"))
	}
	command := os.Args[1]
	if err := flag.CommandLine.Parse(os.Args[2:]); err != nil {
		fail(err)
	}
	commands := map[string]func() (interface{}, error){"conn": conn, "write": write, "read": read, "group": consumeInGroup}
	run, ok := commands[command]
	if !ok {
		fail(fmt.Errorf("unknown command %q", command))
	}
	result, err := run()
	if err != nil {
		fail(err)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kafkago-client:", err)
	os.Exit(1)
}

func brokers() []string { return strings.Split(*bootstrap, ",") }

func codec(name string) (kafka.CompressionCodec, error) {
	switch name {
	case "none":
		return nil, nil
	case "gzip":
		return gzip.NewCompressionCodec(), nil
	case "snappy":
		return snappy.NewCompressionCodec(), nil
	case "lz4":
		return lz4.NewCompressionCodec(), nil
	}
	return nil, fmt.Errorf("unknown compression %q", name)
}

func messages(from, n int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprintf("key-%d", from+i)), Value: []byte(fmt.Sprintf("value-%d", from+i))}
	}
	return msgs
}

type record struct {
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}

func toRecord(m kafka.Message) record {
	return record{m.Partition, m.Offset, string(m.Key), string(m.Value), m.Time.UnixNano() / int64(time.Millisecond)}
}

func errorText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// conn goes through kafka.Conn alone: CreateTopics (and its refusals), ReadPartitions, DialLeader, WriteMessages and
// WriteCompressedMessages with each codec, ReadOffsets, Seek and ReadBatch, ReadOffset by time, a write to a follower,
// and DeleteTopics.
func conn() (interface{}, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	steps := map[string]interface{}{}
	c, err := kafka.DialContext(ctx, "tcp", brokers()[0])
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(45 * time.Second))
	config := kafka.TopicConfig{Topic: *topic, NumPartitions: 3, ReplicationFactor: 3,
		ConfigEntries: []kafka.ConfigEntry{{ConfigName: "retention.ms", ConfigValue: "3600000"}}}
	steps["create"] = errorText(c.CreateTopics(config))
	steps["create_again"] = errorText(c.CreateTopics(config))
	steps["create_too_many_replicas"] = errorText(c.CreateTopics(kafka.TopicConfig{Topic: *topic + "-wide", NumPartitions: 1, ReplicationFactor: 5}))

	partitions, err := c.ReadPartitions(*topic)
	if err != nil {
		return nil, err
	}
	described := map[string]interface{}{}
	ids := func(bs []kafka.Broker) []int {
		out := []int{}
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	var follower kafka.Broker
	for _, p := range partitions {
		described[strconv.Itoa(p.ID)] = map[string]interface{}{"leader": p.Leader.ID, "replicas": ids(p.Replicas), "isr": ids(p.Isr)}
		if p.ID == 0 {
			for _, r := range p.Replicas {
				if r.ID != p.Leader.ID {
					follower = r
				}
			}
		}
	}
	steps["partitions"] = described
	// No topic named: kafka-go 0.2.1 means every topic, but sends an empty list rather than a null one.
	every, err := c.ReadPartitions()
	if err != nil {
		return nil, err
	}
	topics := map[string]int{}
	for _, p := range every {
		topics[p.Topic]++
	}
	steps["all_topics"] = topics

	leader, err := kafka.DialLeader(ctx, "tcp", brokers()[0], *topic, 0)
	if err != nil {
		return nil, err
	}
	defer leader.Close()
	leader.SetDeadline(time.Now().Add(45 * time.Second))
	before := time.Now().Add(-time.Minute)
	for i, name := range []string{"none", "gzip", "snappy", "lz4"} {
		cc, _ := codec(name)
		if _, err := leader.WriteCompressedMessages(cc, messages(i*5, 5)...); err != nil {
			return nil, fmt.Errorf("write %s: %v", name, err)
		}
	}
	first, last, err := leader.ReadOffsets()
	if err != nil {
		return nil, err
	}
	steps["offsets"] = []int64{first, last}

	if _, err := leader.Seek(0, kafka.SeekStart); err != nil {
		return nil, err
	}
	var read []record
	for len(read) < 20 {
		batch := leader.ReadBatch(1, 1<<20)
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			read = append(read, toRecord(m))
		}
		if err := batch.Close(); err != nil {
			return nil, fmt.Errorf("read batch: %v", err)
		}
	}
	steps["read"] = read

	seeks := map[string]interface{}{}
	for _, s := range []struct {
		name   string
		offset int64
		whence int
	}{{"absolute_7", 7, kafka.SeekAbsolute}, {"end_minus_3", 3, kafka.SeekEnd}, {"start_plus_2", 2, kafka.SeekStart}, {"current_plus_4", 4, kafka.SeekCurrent}} {
		at, err := leader.Seek(s.offset, s.whence)
		if err != nil {
			return nil, err
		}
		m, err := leader.ReadMessage(1 << 20)
		if err != nil {
			return nil, err
		}
		seeks[s.name] = []interface{}{at, string(m.Value)}
	}
	_, err = leader.Seek(21, kafka.SeekAbsolute)
	seeks["past_the_end"] = errorText(err)
	steps["seeks"] = seeks

	byTime, err := leader.ReadOffset(before)
	if err != nil {
		return nil, err
	}
	afterAll, err := leader.ReadOffset(time.Now().Add(time.Hour))
	if err != nil {
		return nil, err
	}
	steps["offset_by_time"] = []int64{byTime, afterAll}

	// A follower refuses both. Each on its own connection: kafka-go 0.2.1 leaves the rest of a Produce response
	// that carried an error unread, so the next response on that connection would not be found.
	followerErrors := func(op func(*kafka.Conn) error) (string, error) {
		toFollower, err := kafka.DialPartition(ctx, "tcp", "", kafka.Partition{Topic: *topic, ID: 0, Leader: follower})
		if err != nil {
			return "", err
		}
		defer toFollower.Close()
		toFollower.SetDeadline(time.Now().Add(20 * time.Second))
		return errorText(op(toFollower)), nil
	}
	if steps["write_to_follower"], err = followerErrors(func(c *kafka.Conn) error { _, err := c.WriteMessages(messages(100, 1)...); return err }); err != nil {
		return nil, err
	}
	if steps["offsets_from_follower"], err = followerErrors(func(c *kafka.Conn) error { _, _, err := c.ReadOffsets(); return err }); err != nil {
		return nil, err
	}

	doomed := *topic + "-doomed"
	steps["create_doomed"] = errorText(c.CreateTopics(kafka.TopicConfig{Topic: doomed, NumPartitions: 1, ReplicationFactor: 1}))
	steps["delete"] = errorText(c.DeleteTopics(doomed))
	steps["delete_again"] = errorText(c.DeleteTopics(doomed))
	return steps, nil
}

func pickBalancer(name string) (kafka.Balancer, error) {
	switch name {
	case "roundrobin":
		return &kafka.RoundRobin{}, nil
	case "leastbytes":
		return &kafka.LeastBytes{}, nil
	case "hash":
		return &kafka.Hash{}, nil
	}
	return nil, fmt.Errorf("unknown balancer %q", name)
}

func newWriter() (*kafka.Writer, error) {
	b, err := pickBalancer(*balancer)
	if err != nil {
		return nil, err
	}
	cc, err := codec(*compression)
	if err != nil {
		return nil, err
	}
	return kafka.NewWriter(kafka.WriterConfig{
		Brokers: brokers(), Topic: *topic, Balancer: b, CompressionCodec: cc, RequiredAcks: -1,
		BatchSize: 10, BatchTimeout: 20 * time.Millisecond, RebalanceInterval: time.Second,
	}), nil
}

// write writes key-i/value-i for i in [-start, -start + -count) with a Writer (acks=all), its -balancer picking
// each message's partition and -compression its codec, in batches of up to 10.
func write() (interface{}, error) {
	w, err := newWriter()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, messages(*start, *count)...); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return map[string]interface{}{"written": *count}, nil
}

// read reads -count messages of one partition with a Reader without a group, from -offset (SetOffset), and reports
// them with the Reader's lag as it sees it.
func read() (interface{}, error) {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers(), Topic: *topic, Partition: *partition, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(*offset); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var out []record
	for len(out) < *count {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return nil, fmt.Errorf("after %d messages: %v", len(out), err)
		}
		out = append(out, toRecord(m))
	}
	lag, err := r.ReadLag(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]interface{}{"records": out, "offset": r.Offset(), "lag": lag}, nil
}

var subscribed = regexp.MustCompile(`subscribed to partitions: map\[([^\]]*)\]`)

// member is one Reader of the group, with the partitions each of its generations was given (read from the Reader's
// own log, which names them) and the messages it read and committed.
type member struct {
	reader      *kafka.Reader
	mu          sync.Mutex
	assignments [][]int
	values      map[string]bool
	reads       int
	commits     int
	err         error
}

// Write takes the Reader's log lines: they go to stderr (shown when a test fails), and name the assignments.
func (m *member) Write(p []byte) (int, error) {
	os.Stderr.Write(p)
	if match := subscribed.FindStringSubmatch(string(p)); match != nil {
		var parts []int
		for _, pair := range strings.Fields(match[1]) {
			id, _ := strconv.Atoi(strings.SplitN(pair, ":", 2)[0])
			parts = append(parts, id)
		}
		sort.Ints(parts)
		m.mu.Lock()
		m.assignments = append(m.assignments, parts)
		m.mu.Unlock()
	}
	return len(p), nil
}

func newMember() *member {
	m := &member{values: map[string]bool{}}
	m.reader = kafka.NewReader(kafka.ReaderConfig{
		Brokers: brokers(), GroupID: *group, Topic: *topic, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 300 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 10 * time.Second,
		Logger: log.New(m, "", log.Lmicroseconds), ErrorLogger: log.New(os.Stderr, "error: ", log.Lmicroseconds),
	})
	return m
}

// consume fetches and commits (CommitMessages, synchronous) until ctx ends.
func (m *member) consume(ctx context.Context) {
	for {
		msg, err := m.reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() == nil && err != io.EOF {
				m.mu.Lock()
				m.err = err
				m.mu.Unlock()
			}
			return
		}
		m.mu.Lock()
		m.reads++
		m.values[string(msg.Value)] = true
		m.mu.Unlock()
		// A commit refused in a rebalance (the generation moved on) is Kafka's answer, not the client's failure:
		// the message is read again by whoever owns the partition next.
		if m.reader.CommitMessages(ctx, msg) == nil {
			m.mu.Lock()
			m.commits++
			m.mu.Unlock()
		}
	}
}

func (m *member) has(i int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.values[fmt.Sprintf("value-%d", i)]
}

func (m *member) snapshot() (assignments [][]int, values int, reads int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]int(nil), m.assignments...), len(m.values), m.reads, m.err
}

func waitFor(what string, timeout time.Duration, done func() bool) error {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for " + what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// consumeInGroup: a first Reader of -group takes every partition and reads the -count messages already there; a
// second Reader joins, the group rebalances (kafka-go's own range assignment, done by the leader), and -count more
// messages written then are read by whoever owns their partition. Every read is committed.
func consumeInGroup() (interface{}, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := newMember()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); first.consume(ctx) }()
	// The second member joins once the first has read and committed everything there is.
	err := waitFor("the first member's reads", 40*time.Second, func() bool {
		first.mu.Lock()
		defer first.mu.Unlock()
		return len(first.values) >= *count && first.commits >= *count
	})
	if err != nil {
		return nil, err
	}

	second := newMember()
	wg.Add(1)
	go func() { defer wg.Done(); second.consume(ctx) }()
	// The rebalance is over when each member has been given its share of the same generation: disjoint and whole.
	err = waitFor("the rebalance", 40*time.Second, func() bool {
		a, _, _, _ := first.snapshot()
		b, _, _, _ := second.snapshot()
		if len(a) < 2 || len(b) < 1 {
			return false
		}
		union := map[int]bool{}
		for _, p := range append(append([]int{}, a[len(a)-1]...), b[len(b)-1]...) {
			union[p] = true
		}
		return len(union) == len(a[len(a)-1])+len(b[len(b)-1]) && len(union) == len(a[0])
	})
	if err != nil {
		return nil, err
	}
	_, _, readsBefore, _ := first.snapshot()

	w, err := newWriter()
	if err != nil {
		return nil, err
	}
	writeCtx, writeCancel := context.WithTimeout(ctx, 30*time.Second)
	defer writeCancel()
	if err := w.WriteMessages(writeCtx, messages(*count, *count)...); err != nil {
		return nil, err
	}
	w.Close()
	// Read again by a member is fine (a commit can lose to the rebalance); missing is not.
	allNew := func() bool {
		seen := 0
		for i := *count; i < 2**count; i++ {
			if first.has(i) || second.has(i) {
				seen++
			}
		}
		return seen == *count
	}
	if err := waitFor("the second round of reads", 40*time.Second, allNew); err != nil {
		return nil, err
	}
	// Close does not leave the group in kafka-go 0.2.1 (it dials the coordinator with the context it has just
	// cancelled): the members stay until their session (6 s) expires.
	first.reader.Close()
	second.reader.Close()
	cancel()
	wg.Wait()

	report := func(m *member) map[string]interface{} {
		a, v, r, e := m.snapshot()
		return map[string]interface{}{"assignments": a, "distinct": v, "reads": r, "error": errorText(e)}
	}
	return map[string]interface{}{"first": report(first), "second": report(second), "first_reads_before_join": readsBefore}, nil
}
