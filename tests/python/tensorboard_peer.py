"""TensorBoard peer for the end-to-end tests: reads event files with the `tensorboard` package's
own reader, and writes the same scalars with PyTorch's SummaryWriter for comparison.

Subcommands (every output is JSON on stdout):
  scalars DIR                 {tag: [[step, value], ...]} as TensorBoard's EventAccumulator reads DIR
  write DIR SCALARS_JSON      writes [[step, tag, value], ...] with torch's SummaryWriter into DIR
  events FILE                 every Event of one file, wall_time zeroed, as hex-encoded protos
"""
import json
import math
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2


def scalars(path):
    acc = EventAccumulator(path, size_guidance={"scalars": 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["scalars"]:
        out[tag] = [[e.step, None if math.isnan(e.value) else e.value] for e in acc.Scalars(tag)]
    return out


def write(path, items):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(path)
    for step, tag, value in items:
        writer.add_scalar(tag, value, step)
    writer.close()
    return {"written": len(items)}


def events(path):
    data = open(path, "rb").read()
    out, at = [], 0
    while at + 12 <= len(data):
        length = int.from_bytes(data[at : at + 8], "little")
        record = data[at + 12 : at + 12 + length]
        event = event_pb2.Event.FromString(record)
        event.wall_time = 0.0
        out.append(event.SerializeToString().hex())
        at += 12 + length + 4
    return out


def main(cmd, *args):
    if cmd == "scalars":
        result = scalars(args[0])
    elif cmd == "write":
        result = write(args[0], json.loads(args[1]))
    elif cmd == "events":
        result = events(args[0])
    else:
        raise SystemExit(f"unknown command {cmd}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
