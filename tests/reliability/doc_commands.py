"""The commands of the docs: extraction from the fenced blocks of ``README.md`` and ``docs/*.md``,
and the list of those the tests do not run, each with its reason.

A command is a line of a ``shell`` / ``bash`` / ``sh`` / ``console`` block (continuation lines
joined, ``#`` comments and shown output dropped), or a line of an unlabelled block that starts
like a command (``python ...``, ``make ...``). Every command is either run by
``test_doc_commands.py`` on the tiny clone of ``doc_tree.py`` or listed in :data:`NOT_RUN`, so a
new command in the docs fails the test until it runs there or is listed here with its reason.
"""
import re
import shlex
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHELL_LANGS = ('shell', 'bash', 'sh', 'console', '')
COMMAND_START = re.compile(r'^(\S+=\S+ )*(python|python3|\.venv/bin/python|make|bash|cp|pip)\b')

# Why a command is not run, one reason per kind.
ENV = 'sets up the Python environment (network, minutes); tests/foundation/test_package.py'
DEMO = '`make demo` trains for minutes: tests/foundation/test_demo.py runs it'
SUITE = 'runs the whole test suite'
BENCH = ('a benchmark: timed on full-size inputs for minutes, `make bench`; its options are '
         'checked here')
NETWORK = 'downloads from PyPI'
GPU = 'for a CUDA machine (tools/gpu_kit, docs/benchmarks.md "GPU kit")'
SLURM = 'needs a Slurm cluster'
OFFICIAL = ("converts a file of the official repositories (ML-GCN's .pkl, SSGRL's .npy), not "
            'shipped; the converters are tested on the real files in tests/datasets/')
TEMPLATE = 'a template (CONFIG / CHECKPOINT placeholders, [optional] options)'
DDP = ('two processes: tests/reliability/test_distributed.py runs 2-process CPU training')
OWN_DATA = ('the walk-through of docs/own_data.md: tests/datasets/test_own_data.py runs these '
            'commands in order on the generated example set (1 epoch each)')
RESCORE = ('works on the prediction files of the CONFIG / CKPT template commands beside it; '
           'tests/evaluation/test_eval_tools.py runs the same tools on a real test run\'s files')
DEMO_OUTPUT = ("needs `make demo`'s data and checkpoints (work_dirs/demo/); "
               'tests/apis/test_browse_dataset.py and tests/apis/test_export.py run these tools on '
               'generated data')
CLS_ONLY = 'the classification-only install: tools/ci/cls_only_install.sh runs it in CI'
FULL_SIZE = ('counts full-size ResNet-101 models (minutes on 2 cores); tests/apis/test_flops.py '
             'runs the tool on small configs and checks the counts')
BACKBONE = ('needs the official ResNet-101 file (pretrain_model/resnet101.pth.tar, not shipped); '
            'the init_cfg keys are checked here')

# why -> the commands (as extracted: whitespace collapsed) not run for that reason
_NOT_RUN_BY_REASON = {
    DEMO: [
        'make demo',
        '/usr/bin/time -v python tools/run_demo.py --work-dir /tmp/x/F2',
        'OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/time -v python tools/run_demo.py '
        '--work-dir /tmp/x/F1',
    ],
    SUITE: [
        'make test',
    ],
    ENV: [
        'source .venv/bin/activate',
        'bash tools/setup_env.sh',
        'python3.11 -m venv ~/.venvs/mmml_cls && source ~/.venvs/mmml_cls/bin/activate',
        'pip install torch==2.14.1 torchvision==0.29.1',
        'pip install mmcv-lite==2.1.0',
        'pip install -r requirements/export.txt',
        'pip install -r requirements/tests.txt',
        'pip install -e .',
    ],
    BENCH: [
        '.venv/bin/python tools/benchmarks/metric.py --path evaluator --dtype float64',
        'python tools/benchmarks/onnx_runtime.py --size 224 --repeats 3',
        'OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/time -v python /tmp/x/mlgcn_onehot.py '
        '/tmp/x/mlgcn_onehot 320 1000 5',
        '.venv/bin/python tools/benchmarks/metric.py',
        '.venv/bin/python tools/benchmarks/metric.py --repeat 5',
        '.venv/bin/python tools/benchmarks/metric.py --dtype float64',
        '.venv/bin/python tools/benchmarks/coco_index.py',
        '.venv/bin/python tools/benchmarks/pipeline.py',
        '.venv/bin/python tools/benchmarks/ssgrl_head.py',
        'PYTHONPATH=$PWD .venv/bin/python tools/benchmarks/mlgcn_head.py --repeats 11',
        'PYTHONPATH=$PWD .venv/bin/python tools/benchmarks/query2label_head.py --repeats 3',
        '.venv/bin/python tools/benchmarks/train_step.py',
        '.venv/bin/python tools/benchmarks/ddp_cpu.py',
        '.venv/bin/python tools/benchmarks/import_time.py --repeats 5 --compare-root '
        'BEFORE_CHECKOUT',
        '.venv/bin/python tools/benchmarks/import_time.py --repeats 3',
        'python tools/benchmarks/transform_fidelity.py',
        'PYTHONPATH=/tmp/randaugment/pkg python tools/benchmarks/transform_fidelity.py',
    ],
    NETWORK: [
        'pip download randaugment==1.0.2 --no-deps -d /tmp/randaugment',
        'python -m zipfile -e /tmp/randaugment/randaugment-1.0.2-py3-none-any.whl '
        '/tmp/randaugment/pkg',
    ],
    GPU: [
        'bash tools/gpu_kit/make_wheels.sh',
        'bash tools/gpu_kit/run.sh /tmp/kit_out',
        'cat /tmp/kit_out/summary.json',
    ],
    SLURM: [
        'GPUS=16 GPUS_PER_NODE=8 bash tools/slurm_train.sh PARTITION ssgrl '
        'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py work_dirs/ssgrl_coco',
        'srun --kill-on-bad-exit=1 python -u tools/train.py '
        'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py --work-dir work_dirs/ssgrl_coco '
        '--launcher slurm --resume auto',
    ],
    DDP: [
        'bash tools/dist_train.sh configs/demo/ssgrl_r18_demo.py 2 --work-dir '
        'work_dirs/demo_ddp',
    ],
    TEMPLATE: [
        'python tools/analysis_tools/attention_pointing_game.py CONFIG CHECKPOINT --ann-file '
        'data/coco/annotations/instances_val2014.json --img-prefix data/coco/val2014/ --out '
        'pointing_game.json --plot-dir pg_plots [--max-images 2000] [--tolerance 0]',
    ],
    OFFICIAL: [
        'python tools/misc/build_label_graph.py --ml-gcn-adj coco_adj.pkl --source-order '
        'alphabetical --classes coco --out data/coco/label_graph_mlgcn.npz',
        'python tools/misc/build_label_graph.py --ssgrl-prob prob_trainval.npy --classes voc '
        '--out data/voc/VOC2007/label_graph_ssgrl_voc07.npz',
        'python tools/misc/build_label_graph.py --ssgrl-prob prob_train.npy --category-json '
        'category.json --classes coco --out data/coco/label_graph_ssgrl.npz',
        'python tools/misc/build_label_embeddings.py --ml-gcn coco_glove_word2vec.pkl '
        '--source-order alphabetical --classes coco --out '
        'data/coco/label_embeddings_mlgcn.npz',
        'python tools/misc/build_label_embeddings.py --ml-gcn voc_glove_word2vec.pkl '
        '--source-order voc --classes voc --out data/voc/VOC2007/label_embeddings_mlgcn.npz',
        'python tools/misc/build_label_embeddings.py --ssgrl-vectors vectors.npy '
        '--category-json category.json --classes coco --out '
        'data/coco/label_embeddings_ssgrl.npz',
        'python tools/misc/build_label_embeddings.py --ssgrl-vectors voc07_vector.npy '
        '--classes voc --out data/voc/VOC2007/label_embeddings_ssgrl_voc07.npz',
    ],
    OWN_DATA: [
        'python -c "from mmml_plugin.datasets.own_data_example import write_own_data_example as '
        'w; w(\'data/my_data\')"',
        'python tools/misc/build_label_embeddings.py --glove data/my_data/word_vectors.txt '
        '--config configs/own_data/ssgrl_r18_1xb8_csv-224px.py --out '
        'data/my_data/label_embeddings.npz',
        'python tools/misc/build_label_embeddings.py --one-hot --config '
        'configs/own_data/ssgrl_r18_1xb8_csv-224px.py --out '
        'data/my_data/label_embeddings_onehot.npz',
        'python tools/misc/build_label_graph.py --config '
        'configs/own_data/ssgrl_r18_1xb8_csv-224px.py --out data/my_data/label_graph.npz',
        'python tools/train.py configs/own_data/mlgcn_r18_1xb8_json-224px.py --work-dir '
        'work_dirs/own_mlgcn --cfg-options '
        'model.head.embedding_file=data/my_data/label_embeddings_onehot.npz '
        'model.head.embed_dims=10',
        'python tools/train.py configs/own_data/query2label_r18_1xb8_csv-224px.py --work-dir '
        'work_dirs/own_q2l',
        'python tools/train.py configs/own_data/ssgrl_r18_1xb8_csv-224px.py --work-dir '
        'work_dirs/own_ssgrl',
    ],
    RESCORE: [
        'python tools/test.py CONFIG CKPT --out test.npz',
        'python tools/test.py CONFIG CKPT --split val --out val.npz',
        'python tools/test.py CONFIG CKPT --out preds.npz',
        'python tools/test.py CONFIG CKPT --cfg-options test_evaluator.thr=thresholds.json',
        'python tools/analysis_tools/eval_metric.py test.npz --ap-mode voc --thr 0.3 --topk none',
        'python tools/analysis_tools/eval_metric.py test.npz --thr thresholds.json',
        'python tools/analysis_tools/eval_metric.py preds.npz',
        'python tools/analysis_tools/eval_metric.py preds.npz --ap-mode voc sklearn --thr 0.3 '
        '--topk none',
        'python tools/analysis_tools/eval_metric.py preds.npz --classes person dog '
        '--empty-images drop',
        'python tools/analysis_tools/eval_metric.py preds.npz --thr thresholds.json --out '
        'metrics.json',
        'python tools/analysis_tools/tune_thresholds.py val.npz --out thresholds.json --compare '
        'test.npz',
        'python tools/analysis_tools/tune_thresholds.py val.npz --method precision --precision '
        '0.9 --out p90.json',
        'python tools/analysis_tools/analyze_results.py preds.npz --out-dir errors/ --num 8 '
        '--topk 3 --classes person dog --config CONFIG --checkpoint CHECKPOINT',
    ],
    DEMO_OUTPUT: [
        'python tools/analysis_tools/browse_dataset.py configs/demo/ssgrl_r18_demo.py --out-dir '
        'browse/ --phase train --num 8 --cfg-options data_root=work_dirs/demo/data/',
        'python tools/model_converters/pytorch2onnx.py configs/demo/ssgrl_r18_demo.py '
        'work_dirs/demo/ssgrl/epoch_N.pth --out ssgrl_demo.onnx --verify --cfg-options '
        'data_root=work_dirs/demo/data/',
    ],
    CLS_ONLY: [
        'python -m pytest -m "not det" tests/models tests/evaluation tests/datasets '
        'tests/apis/test_inference.py',
    ],
    FULL_SIZE: [
        'python tools/analysis_tools/get_flops.py configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py '
        'configs/ssgrl/ssgrl-wo-sd_r101_1xb4_coco-576px.py '
        'configs/ssgrl/ssgrl-wo-si_r101_1xb4_coco-576px.py '
        'configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py '
        'configs/query2label/query2label_r101_1xb64_coco-448px.py '
        'configs/resnet/resnet101_1xb4_coco-576px.py --stand-in-label-files',
        'python tools/analysis_tools/get_flops.py configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py '
        'configs/demo/ssgrl_r18_demo.py --stand-in-label-files',
    ],
    BACKBONE: [
        'python tools/train.py configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py --cfg-options '
        'model.backbone.init_cfg.checkpoint=pretrain_model/resnet101.pth.tar '
        'model.backbone.init_cfg.prefix=None',
    ],
}
# command -> why it is not run
NOT_RUN = {c: why for why, cs in _NOT_RUN_BY_REASON.items() for c in cs}

# The docs in the order their commands run on one clone: the data preparation first.
FIRST = ('docs/data_preparation.md', 'README.md')


def doc_files():
    """``README.md`` and ``docs/*.md``, relative to the repository, in running order."""
    docs = [str(p.relative_to(REPO_ROOT)) for p in sorted((REPO_ROOT / 'docs').glob('*.md'))]
    return list(FIRST) + [d for d in docs if d not in FIRST]


def fenced_blocks(text: str):
    """``(language, body)`` of every fenced block of a Markdown text."""
    lang, body = None, []
    for line in text.splitlines():
        fence = re.match(r'^\s*```\s*([\w+-]*)\s*$', line)
        if lang is None and fence:
            lang, body = fence.group(1), []
        elif lang is not None and re.match(r'^\s*```\s*$', line):
            yield lang, '\n'.join(body) + '\n'
            lang = None
        elif lang is not None:
            body.append(line)


def commands(doc: str):
    """The commands of ``doc`` (a path relative to the repository), as collapsed strings."""
    for lang, block in fenced_blocks((REPO_ROOT / doc).read_text()):
        if lang not in SHELL_LANGS:
            continue
        for line in block.replace('\\\n', ' ').splitlines():
            line = ' '.join(line.split())
            if not line or line.startswith(('#', '{')):
                continue  # a comment, or output shown after its command
            line = re.split(r'\s#', line)[0].strip()
            if lang or COMMAND_START.match(line):
                yield line


def argv_of(command: str):
    """``shlex`` words of a command, ``[optional]`` brackets removed."""
    return [w.strip('[]') for w in shlex.split(command)]
