// sarama-client drives Sarama 1.22.1 (Debian's golang-github-shopify-sarama-dev) against a Kafka cluster for the
// interop tests. Each subcommand prints one JSON object on stdout; a failure of the client exits non-zero with the
// error on stderr. -version sets Sarama's cfg.Version, which picks the API versions Sarama speaks (it does not ask
// ApiVersions). Built in GOPATH mode: GO111MODULE=off GOPATH=...:/usr/share/gocode go build.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

var (
	bootstrap   = flag.String("bootstrap", "127.0.0.1:9092", "bootstrap servers, comma separated")
	version     = flag.String("version", "2.1.0", "Kafka version Sarama speaks (cfg.Version)")
	topic       = flag.String("topic", "", "topic")
	group       = flag.String("group", "", "consumer group")
	start       = flag.Int("start", 0, "first record number to produce")
	count       = flag.Int("count", 10, "records to produce or consume")
	compression = flag.String("compression", "none", "none, gzip, snappy, lz4 or zstd")
	async       = flag.Bool("async", false, "produce with the async producer")
	from        = flag.String("from", "oldest", "where the partition consumers start: oldest or newest")
	idempotent  = flag.Bool("idempotent", false, "produce with the idempotent producer (InitProducerId, sequences)")
	committed   = flag.Bool("read-committed", false, "consume with isolation level read_committed")
	retention   = flag.Duration("retention", 0, "offset retention the group asks for (OffsetCommit v2); 0: the broker's")
	user        = flag.String("sasl-user", "", "log in with SASL/PLAIN as this user (SaslHandshake v0 and raw tokens before 1.0, v1 and SaslAuthenticate from 1.0)")
	password    = flag.String("sasl-password", "", "the SASL/PLAIN password")
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: sarama-client metadata|produce|consume|group|describe-group|admin [flags]"))
	}
	command := os.Args[1]
	if err := flag.CommandLine.Parse(os.Args[2:]); err != nil {
		fail(err)
	}
	commands := map[string]func(*sarama.Config) (interface{}, error){
		"metadata": metadata, "produce": produce, "consume": consume, "group": consumeInGroup, "admin": admin, "describe-group": describeGroup,
	}
	run, ok := commands[command]
	if !ok {
		fail(fmt.Errorf("unknown command %q", command))
	}
	result, err := run(config())
	if err != nil {
		fail(err)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sarama-client:", err)
	os.Exit(1)
}

func config() *sarama.Config {
	cfg := sarama.NewConfig()
	v, err := sarama.ParseKafkaVersion(*version)
	if err != nil {
		fail(err)
	}
	cfg.Version = v
	cfg.ClientID = "sarama-interop"
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Retry.Backoff = 100 * time.Millisecond
	cfg.Consumer.Return.Errors = true
	cfg.Consumer.MaxWaitTime = 100 * time.Millisecond
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
	cfg.Consumer.Group.Session.Timeout = 10 * time.Second
	cfg.Consumer.Group.Rebalance.Timeout = 10 * time.Second
	cfg.Consumer.Group.Rebalance.Retry.Backoff = 200 * time.Millisecond
	cfg.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
	cfg.Admin.Timeout = 10 * time.Second
	if *idempotent {
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
	}
	if *committed {
		cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	cfg.Consumer.Offsets.Retention = *retention
	if *user != "" {
		cfg.Net.SASL.Enable = true
		cfg.Net.SASL.User = *user
		cfg.Net.SASL.Password = *password
	}
	return cfg
}

func brokers() []string { return strings.Split(*bootstrap, ",") }

// metadata lists the brokers, the controller and each partition of -topic with its leader, replicas and ISR.
func metadata(cfg *sarama.Config) (interface{}, error) {
	client, err := sarama.NewClient(brokers(), cfg)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	var ids []int32
	for _, b := range client.Brokers() {
		ids = append(ids, b.ID())
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	controller := int32(-1)
	if cfg.Version.IsAtLeast(sarama.V0_10_0_0) {
		c, err := client.Controller()
		if err != nil {
			return nil, err
		}
		controller = c.ID()
	}
	partitions, err := client.Partitions(*topic)
	if err != nil {
		return nil, err
	}
	described := map[string]interface{}{}
	for _, p := range partitions {
		leader, err := client.Leader(*topic, p)
		if err != nil {
			return nil, err
		}
		replicas, _ := client.Replicas(*topic, p)
		isr, _ := client.InSyncReplicas(*topic, p)
		described[strconv.Itoa(int(p))] = map[string]interface{}{"leader": leader.ID(), "replicas": replicas, "isr": isr}
	}
	return map[string]interface{}{"brokers": ids, "controller": controller, "partitions": described}, nil
}

func codec(name string) (sarama.CompressionCodec, error) {
	codecs := map[string]sarama.CompressionCodec{
		"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
		"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
	}
	c, ok := codecs[name]
	if !ok {
		return 0, fmt.Errorf("unknown compression %q", name)
	}
	return c, nil
}

// message is record i, with a header where the message format has them (Kafka 0.11 and later).
func message(cfg *sarama.Config, i int) *sarama.ProducerMessage {
	m := &sarama.ProducerMessage{
		Topic: *topic,
		Key:   sarama.StringEncoder(fmt.Sprintf("key-%d", i)),
		Value: sarama.StringEncoder(fmt.Sprintf("value-%d", i)),
	}
	if cfg.Version.IsAtLeast(sarama.V0_11_0_0) {
		m.Headers = []sarama.RecordHeader{{Key: []byte("origin"), Value: []byte("sarama")}}
	}
	return m
}

// produce writes key-i/value-i for i in [-start, -start + -count) with acks=all, with the sync producer (one
// message at a time) or the async producer (all at once, batched), and reports the offsets it was given.
func produce(cfg *sarama.Config) (interface{}, error) {
	c, err := codec(*compression)
	if err != nil {
		return nil, err
	}
	cfg.Producer.Compression = c
	offsets := map[string][]int64{}
	record := func(m *sarama.ProducerMessage) {
		p := strconv.Itoa(int(m.Partition))
		offsets[p] = append(offsets[p], m.Offset)
	}
	if *async {
		producer, err := sarama.NewAsyncProducer(brokers(), cfg)
		if err != nil {
			return nil, err
		}
		go func() {
			for i := *start; i < *start+*count; i++ {
				producer.Input() <- message(cfg, i)
			}
		}()
		for n := 0; n < *count; n++ {
			select {
			case m := <-producer.Successes():
				record(m)
			case e := <-producer.Errors():
				producer.Close()
				return nil, e.Err
			}
		}
		if err := producer.Close(); err != nil {
			return nil, err
		}
	} else {
		producer, err := sarama.NewSyncProducer(brokers(), cfg)
		if err != nil {
			return nil, err
		}
		defer producer.Close()
		for i := *start; i < *start+*count; i++ {
			m := message(cfg, i)
			if _, _, err := producer.SendMessage(m); err != nil {
				return nil, err
			}
			record(m)
		}
	}
	return map[string]interface{}{"produced": *count, "offsets": offsets}, nil
}

type consumed struct {
	Partition int32             `json:"partition"`
	Offset    int64             `json:"offset"`
	Key       string            `json:"key"`
	Value     string            `json:"value"`
	Headers   map[string]string `json:"headers"`
	Timestamp int64             `json:"timestamp"`
}

func record(m *sarama.ConsumerMessage) consumed {
	headers := map[string]string{}
	for _, h := range m.Headers {
		headers[string(h.Key)] = string(h.Value)
	}
	ts := int64(-1)
	if !m.Timestamp.IsZero() {
		ts = m.Timestamp.UnixNano() / int64(time.Millisecond)
	}
	return consumed{m.Partition, m.Offset, string(m.Key), string(m.Value), headers, ts}
}

// consume reads -count records with one partition consumer per partition, from the oldest offset, or from the
// newest: then it produces -count records itself once every consumer is started, and reads those.
func consume(cfg *sarama.Config) (interface{}, error) {
	client, err := sarama.NewClient(brokers(), cfg)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	partitions, err := consumer.Partitions(*topic)
	if err != nil {
		return nil, err
	}
	initial := sarama.OffsetOldest
	if *from == "newest" {
		initial = sarama.OffsetNewest
	}
	messages := make(chan *sarama.ConsumerMessage)
	errors := make(chan error, len(partitions))
	for _, p := range partitions {
		pc, err := consumer.ConsumePartition(*topic, p, initial)
		if err != nil {
			return nil, err
		}
		defer pc.Close()
		go func() {
			for {
				select {
				case m, ok := <-pc.Messages():
					if !ok {
						return
					}
					messages <- m
				case e, ok := <-pc.Errors():
					if ok {
						errors <- e
					}
				}
			}
		}()
	}
	if *from == "newest" {
		if _, err := produce(cfg); err != nil {
			return nil, err
		}
	}
	var records []consumed
	timeout := time.After(30 * time.Second)
	for len(records) < *count {
		select {
		case m := <-messages:
			records = append(records, record(m))
		case e := <-errors:
			return nil, e
		case <-timeout:
			return nil, fmt.Errorf("read %d of %d records in 30s", len(records), *count)
		}
	}
	return map[string]interface{}{"records": records}, nil
}

// member is one consumer of a group: it records each assignment it was given and how often it read each record.
type member struct {
	mu          sync.Mutex
	assignments [][]int32
	read        map[string]int
	onChange    func()
}

func (m *member) Setup(s sarama.ConsumerGroupSession) error {
	claimed := append([]int32{}, s.Claims()[*topic]...)
	sort.Slice(claimed, func(i, j int) bool { return claimed[i] < claimed[j] })
	m.mu.Lock()
	m.assignments = append(m.assignments, claimed)
	m.mu.Unlock()
	m.onChange()
	return nil
}

func (m *member) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (m *member) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for msg := range claim.Messages() {
		m.mu.Lock()
		m.read[string(msg.Value)]++
		m.mu.Unlock()
		s.MarkMessage(msg, "")
		m.onChange()
	}
	return nil
}

func (m *member) distinct() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.read)
}

// union counts the records that any of the members read.
func union(members ...*member) int {
	all := map[string]bool{}
	for _, m := range members {
		m.mu.Lock()
		for v := range m.read {
			all[v] = true
		}
		m.mu.Unlock()
	}
	return len(all)
}

func (m *member) generations() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.assignments)
}

// report gives the assignments and the records read, counting a record read twice twice.
func (m *member) report() map[string]interface{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	reads := 0
	for _, n := range m.read {
		reads += n
	}
	return map[string]interface{}{"assignments": m.assignments, "reads": reads, "distinct": len(m.read)}
}

func (m *member) String() string {
	r := m.report()
	return fmt.Sprintf("assigned %v, read %v", r["assignments"], r["reads"])
}

// join runs one member in its own consumer group client until ctx is cancelled, then closes it (which commits
// its marked offsets and leaves the group).
func join(cfg *sarama.Config, m *member, ctx context.Context, done *sync.WaitGroup, errs chan<- error) {
	done.Add(1)
	g, err := sarama.NewConsumerGroup(brokers(), *group, cfg)
	if err != nil {
		errs <- err
		done.Done()
		return
	}
	go func() {
		for e := range g.Errors() {
			errs <- e
		}
	}()
	go func() {
		defer done.Done()
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{*topic}, m); err != nil {
				errs <- err
				time.Sleep(200 * time.Millisecond)
			}
		}
		if err := g.Close(); err != nil {
			errs <- err
		}
	}()
}

// consumeInGroup runs a group of two members on -topic, which holds -count records: the first joins alone and
// reads them all; then the second joins, and once the rebalance gave both their partitions, -count more records
// are produced, which they read from where the first left off. Once both left, the group's committed offsets are
// fetched with an offset manager of a new client.
func consumeInGroup(cfg *sarama.Config) (interface{}, error) {
	errs := make(chan error, 16)
	progress := make(chan struct{}, 1)
	notify := func() {
		select {
		case progress <- struct{}{}:
		default:
		}
	}
	first := &member{read: map[string]int{}, onChange: notify}
	second := &member{read: map[string]int{}, onChange: notify}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var done sync.WaitGroup
	join(cfg, first, ctx, &done, errs)

	wait := func(what string, holds func() bool) error {
		deadline := time.After(30 * time.Second)
		for !holds() {
			select {
			case <-progress:
			case <-time.After(100 * time.Millisecond):
			case err := <-errs:
				return err
			case <-deadline:
				return fmt.Errorf("%s did not happen in 30s: first %s, second %s", what, first, second)
			}
		}
		return nil
	}
	if err := wait("the first member reading the topic", func() bool { return first.distinct() >= *count }); err != nil {
		return nil, err
	}
	join(cfg, second, ctx, &done, errs)
	if err := wait("the rebalance", func() bool { return first.generations() == 2 && second.generations() == 1 }); err != nil {
		return nil, err
	}
	*start = *count
	if _, err := produce(cfg); err != nil {
		return nil, err
	}
	if err := wait("reading the new records", func() bool { return union(first, second) >= 2**count }); err != nil {
		return nil, err
	}
	cancel()
	done.Wait()

	committed, err := committedOffsets(cfg)
	if err != nil {
		return nil, err
	}
	return map[string]interface{}{"first": first.report(), "second": second.report(), "committed": committed}, nil
}

func committedOffsets(cfg *sarama.Config) (map[string]int64, error) {
	client, err := sarama.NewClient(brokers(), cfg)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	manager, err := sarama.NewOffsetManagerFromClient(*group, client)
	if err != nil {
		return nil, err
	}
	defer manager.Close()
	partitions, err := client.Partitions(*topic)
	if err != nil {
		return nil, err
	}
	committed := map[string]int64{}
	for _, p := range partitions {
		pom, err := manager.ManagePartition(*topic, p)
		if err != nil {
			return nil, err
		}
		offset, _ := pom.NextOffset()
		committed[strconv.Itoa(int(p))] = offset
		pom.AsyncClose()
	}
	return committed, nil
}

// outcome is what one admin step gave: "ok", or Sarama's error text.
func outcome(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// admin runs the ClusterAdmin API over a topic of its own (-topic): create (again: refused; invalid: refused),
// list and describe, describe and alter its configs, add a partition, delete records, ACLs and deleting the topic;
// each step's outcome and what it read back are reported. Describing a broker's configs fails: Sarama 1.22 numbers
// the broker resource 5, where Kafka's is 4.
func admin(cfg *sarama.Config) (interface{}, error) {
	ca, err := sarama.NewClusterAdmin(brokers(), cfg)
	if err != nil {
		return nil, err
	}
	defer ca.Close()
	client, err := sarama.NewClient(brokers(), cfg)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	steps := map[string]interface{}{}
	retention := "3600000"
	detail := &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 3, ConfigEntries: map[string]*string{"retention.ms": &retention}}
	steps["create"] = outcome(ca.CreateTopic(*topic, detail, false))
	steps["create_again"] = outcome(ca.CreateTopic(*topic, detail, false))
	steps["create_too_many_replicas"] = outcome(ca.CreateTopic(*topic+"-x", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 9}, true))

	listed, err := ca.ListTopics()
	steps["list"] = outcome(err)
	if d, ok := listed[*topic]; ok {
		configs := map[string]string{}
		for k, v := range d.ConfigEntries {
			configs[k] = *v
		}
		steps["listed"] = map[string]interface{}{"partitions": d.NumPartitions, "replication": d.ReplicationFactor, "configs": configs}
	}
	described, err := ca.DescribeTopics([]string{*topic, *topic + "-missing"})
	steps["describe_topics"] = outcome(err)
	topicErrors := map[string]string{}
	for _, t := range described {
		topicErrors[t.Name] = t.Err.Error()
	}
	steps["described"] = topicErrors

	describeRetention := func() interface{} {
		entries, err := ca.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: *topic, ConfigNames: []string{"retention.ms"}})
		if err != nil {
			return err.Error()
		}
		for _, e := range entries {
			if e.Name == "retention.ms" {
				return map[string]interface{}{"value": e.Value, "default": e.Default, "read_only": e.ReadOnly, "entries": len(entries)}
			}
		}
		return fmt.Sprintf("retention.ms not among %d entries", len(entries))
	}
	steps["retention"] = describeRetention()
	longer := "7200000"
	steps["alter_config"] = outcome(ca.AlterConfig(sarama.TopicResource, *topic, map[string]*string{"retention.ms": &longer}, false))
	steps["retention_altered"] = describeRetention()
	_, err = ca.DescribeConfig(sarama.ConfigResource{Type: sarama.BrokerResource, Name: "1"})
	steps["broker_configs"] = outcome(err)

	steps["create_partitions"] = outcome(ca.CreatePartitions(*topic, 3, nil, false))
	steps["create_partitions_fewer"] = outcome(ca.CreatePartitions(*topic, 1, nil, false))
	if err := client.RefreshMetadata(*topic); err == nil {
		partitions, _ := client.Partitions(*topic)
		steps["partitions"] = len(partitions)
	}

	steps["delete_records"] = deleteRecords(cfg, client)
	steps["acls"] = acls(ca, client)
	steps["delete_topic"] = outcome(ca.DeleteTopic(*topic))
	steps["delete_topic_again"] = outcome(ca.DeleteTopic(*topic))
	brokerList, controller, err := ca.DescribeCluster()
	steps["describe_cluster"] = map[string]interface{}{"outcome": outcome(err), "brokers": len(brokerList), "controller": controller}
	return steps, nil
}

// deleteRecords writes 5 records to partition 0 and deletes those before offset 3, asking a follower first (which
// must refuse: ClusterAdmin.DeleteRecords asks the controller and drops the partition errors, so the requests are
// sent here), then the leader; it reports both answers and the partition's offsets after.
func deleteRecords(cfg *sarama.Config, client sarama.Client) interface{} {
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	producer, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		return err.Error()
	}
	defer producer.Close()
	for i := 0; i < 5; i++ {
		m := message(cfg, i)
		m.Partition = 0
		if _, _, err := producer.SendMessage(m); err != nil {
			return err.Error()
		}
	}
	leader, err := client.Leader(*topic, 0)
	if err != nil {
		return err.Error()
	}
	var follower *sarama.Broker
	for _, b := range client.Brokers() {
		if b.ID() != leader.ID() {
			follower = b
		}
	}
	_ = follower.Open(cfg)
	answer := func(b *sarama.Broker) string {
		request := &sarama.DeleteRecordsRequest{
			Topics:  map[string]*sarama.DeleteRecordsRequestTopic{*topic: {PartitionOffsets: map[int32]int64{0: 3}}},
			Timeout: cfg.Admin.Timeout,
		}
		response, err := b.DeleteRecords(request)
		if err != nil {
			return err.Error()
		}
		p := response.Topics[*topic].Partitions[0]
		return fmt.Sprintf("%d %s", p.LowWatermark, p.Err.Error())
	}
	result := map[string]interface{}{"follower": answer(follower), "leader": answer(leader)}
	for name, at := range map[string]int64{"oldest": sarama.OffsetOldest, "newest": sarama.OffsetNewest} {
		offset, err := client.GetOffset(*topic, 0, at)
		if err != nil {
			return err.Error()
		}
		result[name] = offset
	}
	return result
}

// acls creates an ACL on the topic, lists and deletes it, reporting the error of each response (ClusterAdmin's
// CreateACL drops it, so the request goes to the controller directly).
func acls(ca sarama.ClusterAdmin, client sarama.Client) interface{} {
	resource := sarama.Resource{ResourceType: sarama.AclResourceTopic, ResourceName: *topic, ResoucePatternType: sarama.AclPatternLiteral}
	acl := sarama.Acl{Principal: "User:sarama", Host: "*", Operation: sarama.AclOperationRead, PermissionType: sarama.AclPermissionAllow}
	controller, err := client.Controller()
	if err != nil {
		return err.Error()
	}
	created, err := controller.CreateAcls(&sarama.CreateAclsRequest{AclCreations: []*sarama.AclCreation{{Resource: resource, Acl: acl}}})
	if err != nil {
		return err.Error()
	}
	result := map[string]interface{}{"create": created.AclCreationResponses[0].Err.Error()}
	name := *topic
	filter := sarama.AclFilter{ResourceType: sarama.AclResourceTopic, ResourceName: &name, Operation: sarama.AclOperationAny, PermissionType: sarama.AclPermissionAny}
	listed, err := ca.ListAcls(filter)
	result["list"] = outcome(err)
	var principals []string
	for _, r := range listed {
		for _, a := range r.Acls {
			principals = append(principals, fmt.Sprintf("%s %s %d", r.ResourceName, a.Principal, a.Operation))
		}
	}
	result["listed"] = principals
	deleted, err := ca.DeleteACL(filter, false)
	result["delete"] = outcome(err)
	result["deleted"] = len(deleted)
	return result
}

// describeGroup lists the consumer groups with ClusterAdmin, describes -group and fetches its committed offsets
// on -topic's partitions.
func describeGroup(cfg *sarama.Config) (interface{}, error) {
	ca, err := sarama.NewClusterAdmin(brokers(), cfg)
	if err != nil {
		return nil, err
	}
	defer ca.Close()
	all, err := ca.ListConsumerGroups()
	if err != nil {
		return nil, err
	}
	described, err := ca.DescribeConsumerGroups([]string{*group})
	if err != nil {
		return nil, err
	}
	offsets, err := ca.ListConsumerGroupOffsets(*group, map[string][]int32{*topic: {0, 1, 2}})
	if err != nil {
		return nil, err
	}
	committed := map[string]int64{}
	for p, block := range offsets.Blocks[*topic] {
		committed[strconv.Itoa(int(p))] = block.Offset
	}
	return map[string]interface{}{
		"listed":    all[*group],
		"state":     described[0].State,
		"protocol":  described[0].ProtocolType,
		"committed": committed,
	}, nil
}
