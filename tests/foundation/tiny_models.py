"""Shipped ML-GCN / Query2Label configs shrunk to the demo data for fast tests."""


def shrink_to_demo(cfg, demo: dict) -> None:
    """In place: a narrow ResNet-18 (128 channels out) and the head sized for the demo classes
    (ML-GCN: the demo's label files, 50-d embeddings; Query2Label: a 128-d, 32-wide decoder).

    Args:
        cfg (Config): an ML-GCN or Query2Label config.
        demo (dict): the demo data (``classes``, ``embedding_file``, ``graph_file``).
    """
    cfg.model.backbone.update(depth=18, base_channels=16)
    head = cfg.model.head
    head.num_classes = len(demo['classes'])
    if head.type == 'MLGCNHead':
        head.update(classes=demo['classes'],
                    embedding_file=demo['embedding_file'],
                    graph_file=demo['graph_file'],
                    in_channels=128,
                    embed_dims=50,
                    hidden_channels=16)
    else:
        head.update(in_channels=128, embed_dims=128, feedforward_channels=32)
    cfg.data_preprocessor.num_classes = head.num_classes
