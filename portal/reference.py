"""Reference data every installation needs: Shandong's cities and the provincial
industry authorities. Plain data, loaded by a data migration and by seed_demo."""

# (administrative code, name, province-direct)
CITIES = [
    ("370000", "省直", True),
    ("370100", "济南市", False),
    ("370200", "青岛市", False),
    ("370300", "淄博市", False),
    ("370400", "枣庄市", False),
    ("370500", "东营市", False),
    ("370600", "烟台市", False),
    ("370700", "潍坊市", False),
    ("370800", "济宁市", False),
    ("370900", "泰安市", False),
    ("371000", "威海市", False),
    ("371100", "日照市", False),
    ("371300", "临沂市", False),
    ("371400", "德州市", False),
    ("371500", "聊城市", False),
    ("371600", "滨州市", False),
    ("371700", "菏泽市", False),
]

# (name, short name)
AUTHORITIES = [
    ("山东省卫生健康委员会", "省卫生健康委"),
    ("山东省教育厅", "省教育厅"),
    ("山东省住房和城乡建设厅", "省住房城乡建设厅"),
    ("山东省工业和信息化厅", "省工业和信息化厅"),
    ("山东省农业农村厅", "省农业农村厅"),
    ("山东省交通运输厅", "省交通运输厅"),
    ("山东省科学技术厅", "省科技厅"),
    ("山东省财政厅", "省财政厅"),
    ("山东省水利厅", "省水利厅"),
    ("山东省自然资源厅", "省自然资源厅"),
]


def load_reference_data(city_model, authority_model) -> None:
    """Create what is missing; leave existing rows as they are (idempotent)."""
    for code, name, province_direct in CITIES:
        city_model.objects.get_or_create(
            code=code, defaults={"name": name, "is_province_direct": province_direct}
        )
    for name, short_name in AUTHORITIES:
        authority_model.objects.get_or_create(name=name, defaults={"short_name": short_name})
