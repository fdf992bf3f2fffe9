"""Write the demo multi-label set (COCO instances format with boxes, digits from scikit-learn).

    python tools/misc/make_demo_dataset.py data/demo --num-train 400 --num-val 200 --size 128

Then build its label graph and class embeddings::

    python tools/misc/build_label_graph.py --ann-file data/demo/annotations/instances_train.json \
        --out data/demo/label_graph.npz
    python tools/misc/build_label_embeddings.py --glove data/demo/word_vectors.txt \
        --ann-file data/demo/annotations/instances_train.json --out data/demo/label_embeddings.npz
"""
import argparse
import json

from mmml_plugin.datasets.demo_digits import SCENE_PURITY, make_demo_dataset


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', nargs='?', default='data/demo', help='output folder')
    parser.add_argument('--num-train', type=int, default=400)
    parser.add_argument('--num-val', type=int, default=200)
    parser.add_argument('--size', type=int, default=128, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--scene-purity',
                        type=float,
                        default=SCENE_PURITY,
                        help='probability that a digit comes from its image\'s scene')
    return parser.parse_args()


def main():
    args = parse_args()
    info = make_demo_dataset(args.out_dir, args.num_train, args.num_val, args.size, args.seed,
                             args.scene_purity)
    print(json.dumps(info, indent=1))


if __name__ == '__main__':
    main()
