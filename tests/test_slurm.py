"""A real one-node SLURM cluster on this machine runs a tiny demo through the project's profile.

The fixture installs Debian's slurmctld, slurmd, slurm-client and munge when they are missing
and MUSICLUST_TEST_INSTALL_PACKAGES=1 (as root, with apt; .ci/run sets it; otherwise it skips,
saying so), writes a slurm.conf of its own to /etc/slurm (its own ports; state and logs in a
temporary folder; no accounting database, as on many small clusters; removed at the end),
starts munged, slurmctld and slurmd in the foreground as child processes, and stops exactly those processes by PID at the end.
The workflow then runs with `snakemake --executor slurm --profile profiles/slurm` to the
metrics table, and the test checks that every job went through SLURM: the job ids the plugin
logged are the ones `squeue --states=all` lists as COMPLETED, one per workflow job, and
slurmctld's log saw them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, SNAKEMAKE, apt_install_or_skip, tiny_config

pytestmark = pytest.mark.workflow

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
BINARIES = ["slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "munged", "munge"]


def _missing_binaries() -> list[str]:
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [name for name in BINARIES if shutil.which(name, path=path) is None]


def _which(name: str) -> str:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_facts() -> tuple[int, int]:
    """CPUs and a RealMemory a bit under what `slurmd -C` reports."""
    output = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True, timeout=60).stdout
    cpus = int(re.search(r"CPUs=(\d+)", output).group(1))
    memory = int(re.search(r"RealMemory=(\d+)", output).group(1))
    return cpus, int(memory * 0.9)


def _munge_works(env=None) -> bool:
    try:
        token = subprocess.run([_which("munge"), "-n"], capture_output=True, timeout=10, env=env)
        if token.returncode != 0:
            return False
        check = subprocess.run([_which("unmunge")], input=token.stdout, capture_output=True, timeout=10, env=env)
        return check.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _wait(predicate, seconds: float, what: str, logs=()):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    tails = "".join(f"\n--- {p}\n{Path(p).read_text(errors='replace')[-3000:]}" for p in logs if Path(p).exists())
    raise AssertionError(f"{what} within {seconds:.0f} s{tails}")


MARKER = "# Written by musiclust's tests/test_slurm.py for the length of the test."
# The jobstep plugin clears SLURM_* variables (SLURM_CONF too) before `srun` inside a job, so
# the configuration must sit where Slurm's commands look by default.
DEFAULT_CONF = Path("/etc/slurm/slurm.conf")

SLURM_CONF = MARKER + """
ClusterName=musiclust-ci
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=600
DefMemPerCPU=1000
MailProg=/bin/true
ReturnToService=2
SchedulerParameters=sched_interval=5
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    if os.name != "posix" or not Path("/etc/debian_version").exists():
        pytest.skip("the SLURM test installs Debian's packages: not a Debian-like machine")
    if os.geteuid() != 0:
        pytest.skip("starting slurmctld/slurmd/munged needs root")
    apt_install_or_skip(PACKAGES, _missing_binaries, "SLURM")

    if DEFAULT_CONF.exists() and MARKER not in DEFAULT_CONF.read_text(errors="replace"):
        pytest.skip(f"{DEFAULT_CONF} exists: this machine has a SLURM configuration of its own, which the "
                    f"test will not replace")
    d = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool"):
        (d / sub).mkdir()
    host = socket.gethostname().split(".")[0]
    cpus, memory = _node_facts()
    conf = DEFAULT_CONF
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(SLURM_CONF.format(host=host, ctld_port=_free_port(), slurmd_port=_free_port(), d=d,
                                      cpus=cpus, memory=memory))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    started: list[subprocess.Popen] = []

    def start(command, log_name, **kwargs):
        log = open(d / log_name, "w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True, **kwargs)
        started.append(process)
        return process

    try:
        # munged as the munge user (the Debian package made the user and /etc/munge/munge.key),
        # unless one already answers: then it is not ours to stop.
        if not _munge_works():
            Path("/run/munge").mkdir(parents=True, exist_ok=True)
            shutil.chown("/run/munge", "munge", "munge")
            # setpriv execs munged (runuser would fork, and munged would outlive it).
            start(["setpriv", "--reuid=munge", "--regid=munge", "--clear-groups", _which("munged"), "--foreground"],
                  "munged.out")
            _wait(_munge_works, 30, "munged did not answer", logs=[d / "munged.out"])
        start([_which("slurmctld"), "-D", "-i", "-f", str(conf)], "slurmctld.out")
        _wait(lambda: subprocess.run(["scontrol", "ping"], capture_output=True, text=True, env=env)
              .stdout.count("UP") > 0, 60, "slurmctld did not come up",
              logs=[d / "slurmctld.out", d / "slurmctld.log"])
        start([_which("slurmd"), "-D", "-f", str(conf)], "slurmd.out")

        def node_idle():
            out = subprocess.run(["sinfo", "--noheader", "-o", "%T"], capture_output=True, text=True, env=env).stdout
            return "idle" in out

        _wait(node_idle, 60, "the node did not become idle",
              logs=[d / "slurmd.out", d / "slurmd.log", d / "slurmctld.log"])
        yield {"env": env, "dir": d, "conf": conf}
    finally:
        # Stop only what this fixture started, newest first, by PID.
        for process in reversed(started):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        if DEFAULT_CONF.exists() and MARKER in DEFAULT_CONF.read_text(errors="replace"):
            DEFAULT_CONF.unlink()


def slurm_config() -> dict:
    """The tiny demo with one baseline and one learned representation, one seed."""
    config = tiny_config()
    keep = {"pca_mel", "vae_mfcc"}
    config["representations"] = {k: v for k, v in config["representations"].items() if k in keep}
    config["seeds"] = [0]
    return config


def test_workflow_runs_through_slurm(slurm_cluster, tmp_path):
    env = slurm_cluster["env"]
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(slurm_config(), sort_keys=False))
    command = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
               "--configfile", str(config_path),
               "--executor", "slurm", "--profile", str(ROOT / "profiles" / "slurm"),
               "--jobs", "4", "--retries", "0",
               # No accounting database here: poll with squeue (MinJobAge=600), soon after submission.
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "5",
               "--slurm-keep-successful-logs",
               "results/demo/report/metrics.md"]  # the metrics table (not the figures: fewer stages)
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    wall = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:] + _tail(slurm_cluster["dir"] / "slurmctld.log")
    assert (tmp_path / "results/demo/report/metrics.md").exists()
    metrics = (tmp_path / "results/demo/report/metrics.csv").read_text()
    assert "pca_mel" in metrics and "vae_mfcc" in metrics

    # Every job of the run was a SLURM job: the plugin logged a job id for each ...
    submitted = set(re.findall(r"submitted with SLURM jobid (\d+)", output))
    done = re.search(r"(\d+) of (\d+) steps \(100%\) done", output)
    assert done, output[-3000:]
    n_steps = int(done.group(2))
    rules_run = re.findall(r"^(?:rule|checkpoint) (\w+):", output, flags=re.M)
    local = re.findall(r"^localrule (\w+):", output, flags=re.M)
    assert not local, local
    assert len(submitted) == len(rules_run) == n_steps - len(local) >= 10, (submitted, n_steps, output[-3000:])
    assert "train_model" in rules_run

    # ... which SLURM itself ran to completion (squeue keeps finished jobs for MinJobAge) ...
    queue = subprocess.run(["squeue", "--states=all", "--noheader", "-o", "%i %T %j"],
                           capture_output=True, text=True, env=env, check=True).stdout
    states = {line.split()[0]: line.split()[1] for line in queue.splitlines() if line.strip()}
    assert submitted <= set(states), (submitted - set(states), queue)
    assert {states[job] for job in submitted} == {"COMPLETED"}, queue

    # ... and its controller logged; the plugin kept each job's SLURM log, named by job id.
    ctld_log = (slurm_cluster["dir"] / "slurmctld.log").read_text(errors="replace")
    for job in submitted:
        assert re.search(rf"JobId={job}\b", ctld_log), job
    slurm_logs = list((tmp_path / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert {p.stem for p in slurm_logs} >= submitted, slurm_logs
    print(f"SLURM run: {len(submitted)} jobs, {wall:.0f} s")


def _tail(path: Path) -> str:
    return f"\n--- {path}\n" + path.read_text(errors="replace")[-4000:] if path.exists() else ""
