"""Drives CloudWatch metrics and alarms through botocore over one wire
protocol, chosen by forcing the service model's protocol (botocore
otherwise picks the first it supports). Usage:

    cloudwatch_protocols.py ENDPOINT PROTOCOL NAMESPACE

with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set. Prints one line,
"ok", or fails with a traceback."""

import copy
import datetime
import sys

import botocore.exceptions
import botocore.session

endpoint, protocol, ns = sys.argv[1], sys.argv[2], sys.argv[3]

session = botocore.session.get_session()
loader = session.get_component("data_loader")
load = loader.load_service_model


def forced(service_name, type_name, api_version=None):
    model = load(service_name, type_name, api_version)
    if service_name == "cloudwatch" and type_name == "service-2":
        model = copy.deepcopy(model)
        model["metadata"]["protocol"] = protocol
        model["metadata"]["protocols"] = [protocol]
    return model


loader.load_service_model = forced
cw = session.create_client("cloudwatch", region_name="us-east-1", endpoint_url=endpoint)
assert cw.meta.service_model.protocol == protocol, cw.meta.service_model.protocol


def fail(msg):
    raise SystemExit(protocol + ": " + msg)


def error_code(call, **kw):
    try:
        call(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    fail("%s succeeded, want an error" % call.__name__)


at = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0) - datetime.timedelta(minutes=3)
dims = [{"Name": "Service", "Value": "web"}]
cw.put_metric_data(Namespace=ns, MetricData=[
    {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Values": [10, 20, 60], "Counts": [1, 1, 2], "Unit": "Milliseconds"},
    {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Unit": "Milliseconds",
     "StatisticValues": {"SampleCount": 2, "Sum": 100, "Minimum": 40, "Maximum": 60}},
    {"MetricName": "Requests", "Timestamp": at, "Value": 5, "Unit": "Count", "StorageResolution": 1},
])

metrics = cw.list_metrics(Namespace=ns)["Metrics"]
if sorted(m["MetricName"] for m in metrics) != ["Latency", "Requests"]:
    fail("list_metrics: %r" % metrics)

start, end = at - datetime.timedelta(minutes=1), at + datetime.timedelta(minutes=2)
stats = cw.get_metric_statistics(Namespace=ns, MetricName="Latency", Dimensions=dims, StartTime=start, EndTime=end,
                                 Period=60, Statistics=["SampleCount", "Sum", "Minimum", "Maximum", "Average"])
if len(stats["Datapoints"]) != 1:
    fail("get_metric_statistics: %r" % stats)
d = stats["Datapoints"][0]
if (d["Timestamp"] != at or d["SampleCount"] != 6 or d["Sum"] != 250 or d["Minimum"] != 10 or d["Maximum"] != 60
        or abs(d["Average"] - 250 / 6) > 1e-9 or d["Unit"] != "Milliseconds"):
    fail("get_metric_statistics datapoint: %r" % d)
# Requests has raw values only (a statistic set, as Latency has, leaves
# percentiles out).
p = cw.get_metric_statistics(Namespace=ns, MetricName="Requests", StartTime=start, EndTime=end,
                             Period=60, ExtendedStatistics=["p100"])["Datapoints"]
if len(p) != 1 or abs(p[0]["ExtendedStatistics"]["p100"] - 5) > 5 * 0.02:
    fail("get_metric_statistics p100: %r" % p)
code = error_code(cw.get_metric_statistics, Namespace=ns, MetricName="Latency", StartTime=start, EndTime=end,
                  Period=60, Statistics=["Sum"], ExtendedStatistics=["p50"])
if code != "InvalidParameterCombination":
    fail("Statistics with ExtendedStatistics: %s" % code)

data = cw.get_metric_data(StartTime=start, EndTime=end, MetricDataQueries=[
    {"Id": "r", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Requests"}, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
    {"Id": "twice", "Expression": "r * 2", "Label": "Twice"},
])["MetricDataResults"]
if len(data) != 1 or data[0]["Id"] != "twice" or data[0]["Values"] != [10.0] or data[0]["Timestamps"] != [at] or data[0]["StatusCode"] != "Complete":
    fail("get_metric_data: %r" % data)

code = error_code(cw.put_metric_data, Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1}])
if code != "InvalidParameterValue":
    fail("put_metric_data into AWS/EC2: %s" % code)

alarm = "latency-" + protocol
cw.put_metric_alarm(AlarmName=alarm, Namespace=ns, MetricName="Latency", Dimensions=dims, Statistic="Average",
                    Period=60, EvaluationPeriods=1, Threshold=100, ComparisonOperator="GreaterThanThreshold",
                    TreatMissingData="ignore", Tags=[{"Key": "team", "Value": "web"}])
cw.put_composite_alarm(AlarmName="any-" + protocol, AlarmRule='ALARM("%s")' % alarm)
got = cw.describe_alarms(AlarmNames=[alarm], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
if len(got["MetricAlarms"]) != 1 or got["MetricAlarms"][0]["Threshold"] != 100 or got["MetricAlarms"][0]["ActionsEnabled"] is not True:
    fail("describe_alarms: %r" % got)
arn = got["MetricAlarms"][0]["AlarmArn"]
if cw.list_tags_for_resource(ResourceARN=arn)["Tags"] != [{"Key": "team", "Value": "web"}]:
    fail("list_tags_for_resource")
if [a["AlarmName"] for a in cw.describe_alarms_for_metric(Namespace=ns, MetricName="Latency", Dimensions=dims)["MetricAlarms"]] != [alarm]:
    fail("describe_alarms_for_metric")

cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="drill")
comp = cw.describe_alarms(AlarmNames=["any-" + protocol], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
if len(comp) != 1 or comp[0]["StateValue"] != "ALARM":
    fail("composite after its child went to ALARM: %r" % comp)
items = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
if not any(i["HistorySummary"].endswith(" to ALARM") for i in items):
    fail("describe_alarm_history: %r" % items)

cw.disable_alarm_actions(AlarmNames=[alarm])
if cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["ActionsEnabled"] is not False:
    fail("ActionsEnabled after disable_alarm_actions")
cw.enable_alarm_actions(AlarmNames=[alarm])

code = error_code(cw.set_alarm_state, AlarmName="no-such-alarm", StateValue="OK", StateReason="x")
if code != "ResourceNotFound":
    fail("set_alarm_state on a missing alarm: %s" % code)
code = error_code(cw.delete_alarms, AlarmNames=[alarm])
if code != "ValidationError":
    fail("deleting a composite's child: %s" % code)
cw.delete_alarms(AlarmNames=["any-" + protocol])
cw.delete_alarms(AlarmNames=[alarm])
if cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]:
    fail("describe_alarms after delete_alarms")
print("ok")
