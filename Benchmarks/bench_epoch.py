#!/usr/bin/env python3
"""End to end: one CE+DCM pretraining epoch from the manifest, and the U-Net fine-tuning step,
SonoTag against an idiomatic PyTorch script, interleaved rounds, medians of per-round ratios.

Epoch rows (each a fresh process, timed from start to exit, so imports, libtorch's load, the
model build, decoding, augmentation, the loader, both updates, validation and checkpoints all
count; images/s = images trained / wall seconds):

  sonotag cold     `sonotag pretrain --db` with its image cache removed first: decodes every
                   train and val frame (cache build) before training
  sonotag cached   the same on a copy of the manifest whose cache `sonotag cache --split all`
                   built once, untimed: what every epoch after the first costs
  pytorch wN       Benchmarks/epoch_torch.py with DataLoader(num_workers=N): pydicom decode per
                   item every epoch, no cache (the script a user would write)

Also reported: each side's training-loop rate (SonoTag's metrics.csv epoch row, the script's own
count), which leaves out start-up, cache build, validation and checkpoints.

Peak memory, three ways: peak_rss_mb is the largest single process's peak (wait4's ru_maxrss:
for PyTorch the main process or a worker, whichever is larger); peak_tree_rss_mb and
peak_tree_pss_mb are the largest sums over the whole process tree, sampled every 50 ms from
/proc (PSS shares pages between the forked workers and the main process, so it does not count
torch's libraries once per worker; RSS sums do). A sample can miss a peak shorter than 50 ms.

Fine-tuning rows: `sonotag finetune` has no step-timing mode, so SonoTag's step is the second
epoch's `seconds` in metrics.csv divided by its steps, in a 2-epoch run of --max-images images of
phantom/downstream/liver_kidney: it includes batch assembly and augmentation, the epoch's
validation (max-images/4 images, forward only) and its checkpoint writes, none of which the
PyTorch side (finetune_step_torch.py: the step alone on a fixed random batch) pays. SonoTag's
peak RSS is the whole run's. A ratio <= 1 is therefore conservative for SonoTag.

Standard library only. Adds "epoch_end_to_end" and "finetune_step" to --json (read, add, write).
Times are never asserted on.
"""
import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

from bench_results import merge_into

FT_CONFIGS = {
    "resnet18-b8-64x96": ("resnet18", 8, 64, 96),
    "vgg16bn-b8-64x96": ("vgg16bn", 8, 64, 96),
    "resnet18-b8-256x384": ("resnet18", 8, 256, 384),
    "vgg16bn-b8-256x384": ("vgg16bn", 8, 256, 384),
}


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


def tree(pid):
    """pid and all its descendants (through /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def memory(pids):
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024


def timed(cmd, env, log):
    """Runs cmd; returns wall seconds, its stdout, and the three peak-memory figures (MB)."""
    with open(log, "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, text=True)
        peak = [0.0, 0.0]
        done = threading.Event()

        def sample():
            while not done.wait(0.05):
                rss, pss = memory(tree(proc.pid))
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"bench_epoch: {' '.join(cmd)} failed ({proc.returncode}); see {log}:\n{stdout}")
    return wall, stdout, {"peak_rss_mb": usage.ru_maxrss / 1024, "peak_tree_rss_mb": peak[0], "peak_tree_pss_mb": peak[1]}


def last_row(path, kind_column, kind, epoch=None):
    with open(path) as f:
        rows = [r for r in csv.DictReader(f) if r.get(kind_column) == kind and (epoch is None or r.get("epoch") == str(epoch))]
    if not rows:
        raise SystemExit(f"bench_epoch: no {kind} row in {path}")
    return rows[-1]


def summarise(rows, times, extra, reference):
    out = {}
    for k in rows:
        ratios = [t / r for t, r in zip(times[k], times[reference])]
        out[k] = {"seconds": round(statistics.median(times[k]), 2),
                  "ratio_to_" + reference.split()[0]: round(statistics.median(ratios), 3),
                  "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
                  "samples_s": [round(t, 2) for t in times[k]]}
        for name, values in extra[k].items():
            out[k][name] = round(max(values) if name.startswith("peak") else statistics.median(values), 2)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=".build/release/sonotag")
    p.add_argument("--python", default=sys.executable, help="Python for the PyTorch scripts")
    p.add_argument("--pythonpath", default="", help="PYTHONPATH with torch, torchvision, pydicom, numpy, Pillow")
    p.add_argument("--work", required=True, help="folder for the phantom cohort (kept and reused if it has one)")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--backbone", default="resnet18")
    p.add_argument("--size", default="64x96")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--workers", default="2", help="PyTorch DataLoader worker counts, comma-separated (one row each)")
    p.add_argument("--ft-configs", default="resnet18-b8-64x96,vgg16bn-b8-64x96", help="'' skips fine-tuning")
    p.add_argument("--ft-images", type=int, default=64, help="fine-tuning images per epoch (a multiple of the batch)")
    p.add_argument("--skip-epoch", action="store_true")
    p.add_argument("--json", default="bench-results.json")
    a = p.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    ref_env = dict(env, PYTHONPATH=a.pythonpath) if a.pythonpath else env
    h, w = (int(v) for v in a.size.split("x"))

    db = os.path.join(work, "cohort.sqlite")
    if not os.path.exists(db):
        # The ablation study's cohort commands (scripts/ablation.sh), once; reused by later runs.
        quiet = dict(stdout=subprocess.DEVNULL, check=True)
        subprocess.run([a.bin, "phantom", "--out", os.path.join(work, "phantom"), "--patients", "24", "--seed", "1",
                        "--size", "128x192"], **quiet)
        subprocess.run([a.bin, "index", os.path.join(work, "phantom", "dicom"), "--db", db + ".part"], **quiet)
        subprocess.run([a.bin, "labels", "--db", db + ".part"], **quiet)
        subprocess.run([a.bin, "split", "--db", db + ".part"], **quiet)
        os.replace(db + ".part", db)
    # Two copies of the manifest, because the cache lives beside it (X.sqlite -> X.cache): one
    # whose cache is removed before every cold run, one whose cache is prepared once.
    cold, cached = os.path.join(work, "cold.sqlite"), os.path.join(work, "cached.sqlite")
    for copy in (cold, cached):
        shutil.copyfile(db, copy)
    shutil.rmtree(os.path.join(work, "cached.cache"), ignore_errors=True)
    subprocess.run([a.bin, "cache", "--db", cached, "--split", "all", "--size", a.size], stdout=subprocess.DEVNULL, check=True)

    torch_version = subprocess.run([a.python, "-c", "import torch, pydicom; print(torch.__version__, pydicom.__version__)"],
                                   env=ref_env, capture_output=True, text=True, check=True).stdout.split()
    results = {"machine": {"cores_available": len(os.sched_getaffinity(0)), "cpu": platform.processor() or platform.machine(),
                           "load_average_at_start": os.getloadavg()},
               "threads": a.threads, "reps": a.reps, "reference": f"pip PyTorch {torch_version[0]}, pydicom {torch_version[1]}",
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    logs = os.path.join(work, "logs")
    os.makedirs(logs, exist_ok=True)

    if not a.skip_epoch:
        pretrain = [a.bin, "pretrain", "--backbone", a.backbone, "--size", a.size, "--batch-size", str(a.batch),
                    "--epochs", "1", "--method", "ce+dcm", "--threads", str(a.threads)]
        rows = {"sonotag cold": [*pretrain, "--db", cold], "sonotag cached": [*pretrain, "--db", cached]}
        for n in a.workers.split(","):
            rows[f"pytorch w{n}"] = [a.python, os.path.join(here, "epoch_torch.py"), "--db", cached, "--backbone", a.backbone,
                                     "--size", str(h), str(w), "--batch", str(a.batch), "--workers", n, "--threads", str(a.threads)]
        times = {k: [] for k in rows}
        extra = {k: {} for k in rows}
        images = None
        for r in range(a.reps):  # interleaved: background load hits every contender alike
            for k, cmd in rows.items():
                run_dir = os.path.join(work, "run")
                shutil.rmtree(run_dir, ignore_errors=True)
                if k == "sonotag cold":
                    shutil.rmtree(os.path.join(work, "cold.cache"), ignore_errors=True)
                pytorch = k.startswith("pytorch")
                wall, out, mem = timed(cmd if pytorch else [*cmd, "--out", run_dir], ref_env if pytorch else env,
                                       os.path.join(logs, f"{k.replace(' ', '-')}-{r}.log"))
                if pytorch:
                    f = fields([l for l in out.splitlines() if "images_per_s=" in l][-1])
                    n, loop = int(f["images"]), float(f["train_images_per_s"])
                else:
                    row = last_row(os.path.join(run_dir, "metrics.csv"), "kind", "epoch")
                    n, loop = int(row["step"]) * a.batch, float(row["images_per_s"])
                if images is not None and n != images:
                    raise SystemExit(f"bench_epoch: {k} trained {n} images, the first row {images}: not the same epoch")
                images = n
                times[k].append(wall)
                for name, v in {"images_per_s": n / wall, "train_loop_images_per_s": loop, **mem}.items():
                    extra[k].setdefault(name, []).append(v)
        reference = next(k for k in rows if k.startswith("pytorch"))
        out = summarise(rows, times, extra, reference)
        print(f"== one CE+DCM pretraining epoch, {a.backbone} b{a.batch} {a.size}, {images} images, {a.threads} threads, "
              f"median of {a.reps} rounds; ratio = median over rounds of (row's wall time / {reference}'s)")
        print(f"  {'':<16} {'wall s':>8} {'img/s':>7} {'loop img/s':>10} {'ratio':>7} {'range':>13} "
              f"{'peak RSS':>9} {'tree RSS':>9} {'tree PSS':>9}")
        for k, v in out.items():
            ratio = v["ratio_to_pytorch"]
            print(f"  {k:<16} {v['seconds']:8.1f} {v['images_per_s']:7.2f} {v['train_loop_images_per_s']:10.2f} {ratio:7.3f} "
                  f"{'[%.2f-%.2f]' % tuple(v['ratio_range']):>13} {v['peak_rss_mb']:7.0f}MB {v['peak_tree_rss_mb']:7.0f}MB "
                  f"{v['peak_tree_pss_mb']:7.0f}MB")
        results["epoch_end_to_end"] = {"backbone": a.backbone, "batch": a.batch, "size": a.size, "images": images,
                                       "rows": out}

    if a.ft_configs:
        data = os.path.join(work, "phantom", "downstream", "liver_kidney")
        ft = {}
        for name in a.ft_configs.split(","):
            if name not in FT_CONFIGS:
                raise SystemExit(f"bench_epoch: unknown fine-tuning config '{name}' (use {', '.join(FT_CONFIGS)})")
            backbone, batch, fh, fw = FT_CONFIGS[name]
            if a.ft_images % batch:
                raise SystemExit(f"bench_epoch: --ft-images {a.ft_images} is not a multiple of batch {batch}")
            steps = a.ft_images // batch
            rows = {"pytorch": [a.python, os.path.join(here, "finetune_step_torch.py"), "--backbone", backbone,
                                "--batch", str(batch), "--size", str(fh), str(fw), "--threads", str(a.threads),
                                "--steps", str(steps), "--warmup", "1"],
                    "sonotag": [a.bin, "finetune", "--task", "segmentation", "--data", data, "--encoder", "random",
                                "--backbone", backbone, "--size", f"{fh}x{fw}", "--batch-size", str(batch), "--epochs", "2",
                                "--max-images", str(a.ft_images), "--threads", str(a.threads)]}
            rows["sonotag -cl"] = rows["sonotag"] + ["--no-channels-last"]  # NCHW, the idiomatic layout
            times = {k: [] for k in rows}
            extra = {k: {} for k in rows}
            for r in range(a.reps):
                for k, cmd in rows.items():
                    run_dir = os.path.join(work, "ft-run")
                    shutil.rmtree(run_dir, ignore_errors=True)
                    log = os.path.join(logs, f"ft-{name}-{k}-{r}.log")
                    if k == "pytorch":
                        wall, out, mem = timed(cmd, ref_env, log)
                        ms = float(fields([l for l in out.splitlines() if "ms_per_step=" in l][-1])["ms_per_step"])
                    else:
                        wall, out, mem = timed([*cmd, "--out", run_dir], env, log)
                        ms = float(last_row(os.path.join(run_dir, "metrics.csv"), "epoch", "2")["seconds"]) * 1000 / steps
                    times[k].append(ms / 1000)
                    for n, v in {"ms_per_step": ms, "process_wall_s": wall, **mem}.items():
                        extra[k].setdefault(n, []).append(v)
            ft[name] = summarise(rows, times, extra, "pytorch")
        print(f"== fine-tuning step, U-Net, soft Dice, Adam; {a.threads} threads, median of {a.reps} rounds; SonoTag: "
              f"2nd epoch of {a.ft_images} images / steps (with batch assembly, augmentation, validation, checkpoints); "
              f"PyTorch: the step alone")
        for name, out in ft.items():
            for k, v in out.items():
                print(f"  {name:<20} {k:<8} {v['ms_per_step']:9.1f} ms  ratio {v['ratio_to_pytorch']:6.3f} "
                      f"[{v['ratio_range'][0]:.3f}-{v['ratio_range'][1]:.3f}]  peak RSS {v['peak_rss_mb']:6.0f} MB")
        results["finetune_step"] = {"images_per_epoch": a.ft_images, "configs": ft}

    # Other benchmarks write their own keys into the same file: keep them.
    stamp = {k: results[k] for k in ("machine", "threads", "reps", "reference", "started")}
    merge_into(a.json, {key: {**stamp, **results[key]} for key in ("epoch_end_to_end", "finetune_step") if key in results})
    print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
