"""local/language_extensions: template.yaml's Fn::ForEach loops written out as CloudFormation writes them."""

from __future__ import annotations

from typing import Any

import pytest

from local.language_extensions import expand
from local.template import Template
from tests.conftest import ROOT

TRANSFORMS = ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]


def _template(resources: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"Transform": TRANSFORMS, "Resources": resources, **sections}


def test_a_loop_writes_one_fragment_per_value_with_the_identifier_in_names_refs_and_subs() -> None:
    # Given a loop over two queues, naming its value in a key, a Ref, a Fn::Sub, a GetAtt and a plain string
    loop = {
        "Fn::ForEach::Queues": [
            "Kind",
            ["Push", "Email"],
            {
                "${Kind}Queue": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {
                        "Tags": [{"Key": "kind", "Value": {"Ref": "Kind"}}],
                        "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [{"Fn::Sub": "${Kind}DeadLetters"}, "Arn"]}},
                        "QueueName": {"Fn::Sub": "${AWS::StackName}-${Kind}"},
                        "Note": "${Kind} stays",
                    },
                }
            },
        ]
    }
    # When it is expanded
    resources = expand(_template({"Topic": {"Type": "AWS::SNS::Topic"}, **loop}))["Resources"]
    # Then each value has its resource, in the loop's place, and nothing of the loop is left
    assert list(resources) == ["Topic", "PushQueue", "EmailQueue"]
    email = resources["EmailQueue"]["Properties"]
    assert email["Tags"] == [{"Key": "kind", "Value": "Email"}]
    # And a Fn::Sub left without a variable is its string, one with variables stays a Fn::Sub
    assert email["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["EmailDeadLetters", "Arn"]}
    assert email["QueueName"] == {"Fn::Sub": "${AWS::StackName}-Email"}
    # And a plain string keeps ${Kind}, as CloudFormation's transform (and cfn-lint) do: only Fn::Sub substitutes
    assert email["Note"] == "${Kind} stays"


def test_loops_nest_and_take_a_comma_delimited_list_parameter() -> None:
    # Given a loop over a CommaDelimitedList parameter with a loop inside it, and an &{} key
    parameters = {"Sites": {"Type": "CommaDelimitedList", "Default": "eu-1, us.2"}}
    inner = ["Level", ["Low", "High"], {"Alarm&{Site}${Level}": {"Type": "AWS::CloudWatch::Alarm"}}]
    loop = {"Fn::ForEach::Sites": ["Site", {"Ref": "Sites"}, {"Fn::ForEach::Levels": inner}]}
    # When it is expanded with the default, then with another value
    default = expand(_template(loop, Parameters=parameters))["Resources"]
    other = expand(_template(loop, Parameters=parameters), {"Sites": "ap3"})["Resources"]
    # Then every pair is written, &{} keeping only the value's letters and digits
    assert list(default) == ["Alarmeu1Low", "Alarmeu1High", "Alarmus2Low", "Alarmus2High"]
    assert list(other) == ["Alarmap3Low", "Alarmap3High"]


def test_find_in_map_is_resolved_once_the_loop_names_its_key_with_a_default_for_a_missing_one() -> None:
    # Given a map with a row per consumer and a loop reading it, one key missing from a row
    mappings = {"Consumers": {"Push": {"Timeout": 60}, "Email": {"Timeout": 180, "Batch": 5}}}
    fragment = {
        "${C}Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": {"Fn::FindInMap": ["Consumers", {"Ref": "C"}, "Timeout"]},
                "Batch": {"Fn::FindInMap": ["Consumers", {"Ref": "C"}, "Batch", {"DefaultValue": 10}]},
            },
        }
    }
    # When expanded
    resources = expand(_template({"Fn::ForEach::Q": ["C", ["Push", "Email"], fragment]}, Mappings=mappings))["Resources"]
    # Then each copy reads its own row (the value's own type kept), or the default
    assert resources["PushQueue"]["Properties"] == {"VisibilityTimeout": 60, "Batch": 10}
    assert resources["EmailQueue"]["Properties"] == {"VisibilityTimeout": 180, "Batch": 5}


def test_a_missing_map_value_without_a_default_is_refused_by_name() -> None:
    lookup = {"Fn::FindInMap": ["Consumers", "Push", "Timeout"]}
    with pytest.raises(ValueError, match="no 'Timeout' for 'Push' in the map 'Consumers'"):
        expand(_template({"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": lookup}}}, Mappings={}))


def test_length_and_to_json_string_of_literals_are_resolved_and_of_anything_else_refused() -> None:
    # Given Fn::Length and Fn::ToJsonString of literal values
    properties = {"Count": {"Fn::Length": ["a", "b"]}, "Body": {"Fn::ToJsonString": {"a": [1, 2]}}}
    resolved = expand(_template({"R": {"Type": "AWS::SNS::Topic", "Properties": properties}}))["Resources"]["R"]
    assert resolved["Properties"] == {"Count": 2, "Body": '{"a":[1,2]}'}
    # Then one whose value is only known to CloudFormation is refused, not read wrongly
    unknown = {"Body": {"Fn::ToJsonString": {"arn": {"Ref": "Topic"}}}}
    with pytest.raises(ValueError, match="Fn::ToJsonString"):
        expand(_template({"R": {"Type": "AWS::SNS::Topic", "Properties": unknown}}))


@pytest.mark.parametrize(
    ("loop", "message"),
    [
        (["C", ["A", "A"], {"${C}Queue": {}}], "writes 'AQueue' twice"),
        (["C", ["A"], {"Queue": {}}], "must contain"),
        (["C", {"Fn::GetAtt": ["X", "Names"]}, {"${C}Queue": {}}], "a collection is a list"),
        (["C", ["A"]], "must be"),
    ],
)
def test_a_malformed_loop_is_refused_with_its_name(loop: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        expand(_template({"Fn::ForEach::Queues": loop}))
    assert "Fn::ForEach::Queues" in str(raised.value)


def test_a_loop_writing_a_name_that_is_declared_is_refused() -> None:
    loop = {"Fn::ForEach::Queues": ["C", ["Push"], {"${C}Queue": {"Type": "AWS::SQS::Queue"}}]}
    with pytest.raises(ValueError, match="'PushQueue', which is already declared"):
        expand(_template({"PushQueue": {"Type": "AWS::SQS::Queue"}, **loop}))


def test_the_transform_leaves_the_transform_list_and_a_template_without_it_is_unchanged() -> None:
    # Given templates with and without the transform
    plain = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    # Then the expanded one declares only SAM's transform, and the other is returned as it is
    assert expand(_template({}))["Transform"] == "AWS::Serverless-2016-10-31"
    assert expand(plain) == plain
    # And a loop without the transform is refused (CloudFormation would refuse the template)
    with pytest.raises(ValueError, match="needs the AWS::LanguageExtensions transform"):
        expand({**plain, "Resources": {"Fn::ForEach::Q": ["C", ["A"], {"${C}Q": {}}]}})


def test_every_reader_of_template_yaml_sees_it_written_out() -> None:
    # Given template.yaml, which declares its consumers in loops
    source = (ROOT / "template.yaml").read_text()
    assert "Fn::ForEach::" in source
    # Then what local.template reads (the runtime, tests, tools, bench) holds no loop, only resources
    template = Template(ROOT / "template.yaml")
    assert "Fn::ForEach" not in str(template.doc)
    assert {"PushQueue", "SlackFunction", "TimerDeadLettersAlarm"} <= set(template.resources)
