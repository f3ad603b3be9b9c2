#!/usr/bin/env python3
"""Times dlib's own ResNet face descriptor (face_recognition_model_v1.compute_face_descriptor) on the
same 150x150 chips as facedb-embed-bench, for batches of 1, 8 and 64, and checks that its outputs
equal the golden descriptors of the fixtures.

    python3 Tools/dlib-embed-bench.py [--chips DIR] [--seconds S] [--batches 1,8,64]

Needs a Python with dlib and numpy; the model comes from the same models directory as FaceDB
(${FACEDB_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/facedb/models}).
"""
import argparse, json, os, resource, sys, time

import dlib
import numpy as np

def models_dir() -> str:
    env = os.environ
    if env.get("FACEDB_MODELS"):
        return env["FACEDB_MODELS"]
    cache = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME", os.path.expanduser("~")), ".cache")
    return os.path.join(cache, "facedb", "models")

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chips", default="Tests/FaceDBNeuralTests/Fixtures")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--batches", default="1,8,64")
    args = parser.parse_args()

    names = sorted(n for n in os.listdir(args.chips) if n.endswith(".rgb"))
    chips = [np.fromfile(os.path.join(args.chips, n), dtype=np.uint8).reshape(150, 150, 3) for n in names]
    model_path = os.path.join(models_dir(), "dlib_face_recognition_resnet_model_v1.dat")
    if not os.path.exists(model_path):
        sys.exit(f"dlib-embed-bench: {model_path} is missing; run Tools/fetch-models")
    net = dlib.face_recognition_model_v1(model_path)
    print(f"dlib {dlib.__version__}, DLIB_USE_BLAS={getattr(dlib, 'DLIB_USE_BLAS', '?')}, "
          f"{len(chips)} chips from {args.chips}, {os.cpu_count()} cores")

    golden_path = os.path.join(args.chips, "descriptors.json")
    if os.path.exists(golden_path):
        golden = {f["chip"]: f["descriptor"] for f in json.load(open(golden_path))["faces"]}
        worst = max(float(np.max(np.abs(np.array(net.compute_face_descriptor(c)) - np.array(golden[n]))))
                    for n, c in zip(names, chips) if n in golden)
        print(f"max abs difference from the fixtures' golden descriptors: {worst:.3g}")

    for size in [int(b) for b in args.batches.split(",")]:
        batch = [chips[i % len(chips)] for i in range(size)]
        def run():
            if size == 1:
                net.compute_face_descriptor(batch[0])
            else:
                net.compute_face_descriptor(batch)
        run()  # warm-up
        done, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < args.seconds:
            run()
            done += size
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"batch {size:3d}: {done / elapsed:8.1f} embeddings/s  ({done} embeddings in {elapsed:.2f} s; "
              f"{1000 * cpu / done:.1f} ms CPU each, {cpu / elapsed:.2f} cores busy)  peak memory {peak:.0f} MiB")

if __name__ == "__main__":
    main()
