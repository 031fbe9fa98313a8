"""The explorer (handout 五.7.4, test mode made interactive): a local web page to move through a
trained GAN's latent space, for DCGAN and BigGAN runs alike.

    python explore.py                         # the runs in checkpoint/; open the address it prints
    python explore.py --checkpoint_dir old_runs  # another checkpoint folder
    python explore.py --port 0                # any free port (a shared machine: another one may be taken)

The page lists the trained runs and opens the newest: a grid for a class (or all), new noise,
sliders on z, a walk between two pictures, BigGAN's truncation, two runs side by side on the same
seed and classes, and Save PNG. The generators run here, as in test mode (explorer/pool.py), on
few threads, so a training run on the same cores keeps going. It listens on 127.0.0.1 only,
unless --host says otherwise. Ctrl-C stops it.
"""
import os
import signal

from absl import flags

import cli
import tfstart
from errors import LabError

FLAGS = flags.FLAGS
HELP = dict(program="explore.py", common=False, groups=[
    ("The runs", ["checkpoint_dir", "threads", "max_runs"]),
    ("The server", ["host", "port"])], usage=[
    "A local web page to explore trained GANs: classes, noise, sliders on z, walks, truncation.",
    "  python explore.py                       # then open the address it prints",
    "  python explore.py --checkpoint_dir checkpoint --port 8001"])


def define_flags(flags):
    """The script's flags (on absl's flags, or on any FlagValues: the tests parse commands)."""
    flags.DEFINE_string("checkpoint_dir", "checkpoint", "The folder of the trained runs (a sub-folder per run)")
    flags.DEFINE_string("host", "127.0.0.1", "Address to listen on (127.0.0.1: this computer only; "
                        "0.0.0.0: anyone who can reach it)")
    flags.DEFINE_integer("port", 8000, "Port to listen on (0: any free one)", lower_bound=0, upper_bound=65535)
    flags.DEFINE_integer("threads", 2, "Threads each generator may use (few: a training run on the same "
                         "cores keeps its speed)", lower_bound=1, upper_bound=256)
    flags.DEFINE_integer("max_runs", 4, "Runs kept loaded at once (each holds its generator in memory)",
                         lower_bound=1, upper_bound=64)


def listen(host, port):
    """The server listening on host:port (its app is set once TensorFlow has started), or a
    one-line error saying why it cannot listen there: found before TensorFlow's slow start."""
    from explorer.server import make_server
    try:
        return make_server(None, host, port)
    except OSError as e:
        raise LabError(f"cannot listen on {host}:{port} ({e.strerror or e}): pick another --port "
                       "(--port 0 takes any free one) or --host")


def main(argv):
    cli.reject_arguments(argv)
    from explorer import catalog
    from explorer.server import is_loopback
    if not os.path.isdir(FLAGS.checkpoint_dir) and FLAGS.checkpoint_dir != "checkpoint":
        raise LabError(f"--checkpoint_dir {FLAGS.checkpoint_dir} is not a folder; give the folder "
                       "that holds the runs (each a sub-folder with config.json)")
    found = catalog.find_runs(FLAGS.checkpoint_dir)
    print(f"GAN lab explorer: {len(found)} run(s) in {FLAGS.checkpoint_dir}" +
          ("" if found else " (train one first: python main.py --dataset mnist --train)"), flush=True)
    server = listen(FLAGS.host, FLAGS.port)
    tfstart.start_tensorflow(0)  # quiet import, graph mode, "device: ..." line
    from explorer.pool import Pool
    from explorer.server import Explorer
    pool = Pool(FLAGS.threads, FLAGS.max_runs)
    server.app = Explorer(FLAGS.checkpoint_dir, pool)
    host, port = server.server_address[:2]
    if not is_loopback(host):
        print(f"note: listening on {host}: anyone who can reach this computer can use the page", flush=True)
    print(f"open http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/ in a browser "
          "(Ctrl-C stops the explorer)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("explorer stopped", flush=True)
    finally:
        # Stopping waits for the pictures under way; a second Ctrl-C or SIGTERM meanwhile would end
        # Python under TensorFlow's running threads (an abort), so once stopping, stops are ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        server.server_close()
        pool.close()


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
