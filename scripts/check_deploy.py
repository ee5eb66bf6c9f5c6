"""What cfn-lint and the schema cannot know: that deploy/ agrees with the app and the docs.

- the task role has exactly the cognito-idp and ses actions the docs list for the web app, and no
  IAM statement of ours has a wildcard action or resource;
- TRUSTED_PROXIES is the balancer's own subnets (in an existing VPC, its range); the header
  timeout outlasts the balancer's idle timeout; the stop timeout covers SHUTDOWN_GRACE_SECS; no
  stickiness; the balancer checks liveness (/healthz on the app's port), never readiness;
- the alarms on the app's own metrics read the namespace the app writes them to;
- the Kubernetes grace period covers the preStop sleep and SHUTDOWN_GRACE_SECS, and its probes
  use the image's ports.
Run with .tools/deploy-venv/bin/python (cfn-lint's loader reads the template's !Tags).
"""
import re
import sys
from pathlib import Path

import yaml
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
errors = []


def check(ok, what):
    if not ok:
        errors.append(what)


def env_of(container):
    return {e["Name"]: e["Value"] for e in container.get("Environment", [])}


def port_of(addr):
    return int(str(addr).rsplit(":", 1)[1])


# The image's own defaults (deploy/image/Containerfile).
containerfile = (ROOT / "deploy/image/Containerfile").read_text()
image_env = dict(re.findall(r"\b([A-Z_]+)=(\S+)", containerfile.split("ENV", 1)[1].split("EXPOSE")[0]))
metrics_port = port_of(image_env["METRICS_ADDR"])
app_port = port_of(image_env["LISTEN_ADDR"])

# The docs (Operations): "IAM actions of the web app: `cognito-idp:…`, …"
readme = (ROOT / "docs/src/operations.md").read_text()
m = re.search(r"IAM actions of the web app: ([^\n]+)", readme)
check(m is not None, "docs/src/operations.md has no 'IAM actions of the web app:' line")
readme_actions = set(re.findall(r"`((?:cognito-idp|ses):[A-Za-z]+)`", m.group(1))) if m else set()

template, matches = decode(str(ROOT / "deploy/aws/reset.yaml"))
check(not matches, f"the template does not load: {matches}")
res = template["Resources"]

def policies(role):
    """A role's policies, a conditional one (`!If [cond, policy, NoValue]`) as its policy."""
    for p in role["Properties"].get("Policies", []):
        yield p["Fn::If"][1] if "Fn::If" in p else p


# IAM: exact actions, no wildcards.
role_actions = set()
for statement in (s for p in policies(res["TaskRole"]) for s in p["PolicyDocument"]["Statement"]):
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    role_actions |= {a for a in actions if a.startswith(("cognito-idp:", "ses:"))}
check(role_actions == readme_actions, f"task role {sorted(role_actions)} != docs {sorted(readme_actions)}")
for name, r in res.items():
    if r["Type"] != "AWS::IAM::Role":
        continue
    for policy in policies(r):
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            check(not any("*" in a for a in actions), f"{name}: a wildcard action {actions}")
            check("*" not in str(statement.get("Resource", "")), f"{name}: a wildcard resource")

# The balancer, the target group and the task agree with the app.
container = res["Task"]["Properties"]["ContainerDefinitions"][0]
env = env_of(container)
def when_created(value):
    """The branch of `!If [CreateVpc, new, existing]` for a VPC of the stack's own."""
    check(isinstance(value, dict) and value.get("Fn::If", [None])[0] == "CreateVpc", f"not per CreateVpc: {value}")
    return value["Fn::If"][1], value["Fn::If"][2]


balancer_new, balancer_existing = when_created(res["Balancer"]["Properties"]["Subnets"])
balancer_subnets = {s["Ref"] for s in balancer_new}
check(balancer_existing == {"Ref": "PublicSubnetIds"}, "in an existing VPC, the balancer is in PublicSubnetIds")
proxies_new, proxies_existing = when_created(env["TRUSTED_PROXIES"])
check(proxies_existing == {"Ref": "VpcCidr"}, "in an existing VPC, TRUSTED_PROXIES is its range")
proxies = proxies_new["Fn::Join"][1]
proxy_subnets = {p["Fn::GetAtt"][0] for p in proxies if p["Fn::GetAtt"][1] == "CidrBlock"}
check(proxy_subnets == balancer_subnets, f"TRUSTED_PROXIES {proxy_subnets} is not the balancer's subnets {balancer_subnets}")
attrs = {a["Key"]: a["Value"] for a in res["Balancer"]["Properties"]["LoadBalancerAttributes"] if "Key" in a}
check(int(env["HTTP_HEADER_TIMEOUT_SECS"]) > int(attrs["idle_timeout.timeout_seconds"]),
      "HTTP_HEADER_TIMEOUT_SECS must be above the balancer's idle timeout")
check(int(container["StopTimeout"]) >= int(env["SHUTDOWN_GRACE_SECS"]) + 5, "StopTimeout must cover SHUTDOWN_GRACE_SECS")
tg = res["Targets"]["Properties"]
tg_attrs = {a["Key"]: a["Value"] for a in tg["TargetGroupAttributes"]}
check(tg_attrs.get("stickiness.enabled") == "false", "the target group must not be sticky")
check(tg["HealthCheckPath"] == "/healthz" and tg["HealthCheckPort"] == "traffic-port",
      "the balancer must check liveness (/healthz on the app's port): ECS replaces tasks that fail it")
check(int(tg["Port"]) == app_port == port_of(env["LISTEN_ADDR"]), "the target port must be the app's")
check(container["HealthCheck"]["Command"] == ["CMD", "/app/server", "health"], "the container health check runs `server health`")
secrets = res["Task"]["Properties"]["ContainerDefinitions"][0]["Secrets"]["Fn::If"][2]
check({s["Name"] for s in secrets} == {"SERVER_SECRET", "SESSION_STORE"}, "SERVER_SECRET and SESSION_STORE come from Secrets Manager")
check(res["Cache"]["Properties"]["TransitEncryptionEnabled"] is True, "the cache must use TLS")
# The app's metrics reach CloudWatch where its alarms look for them.
emf = env.get("METRICS_EMF_NAMESPACE")
for name in ("CognitoThrottlingAlarm", "EmailFailuresAlarm"):
    check(res[name]["Properties"]["Namespace"] == emf, f"{name} reads {res[name]['Properties']['Namespace']}, the app writes {emf}")
check(int(env.get("METRICS_EMF_SECS", "0")) > 0, "the task must write its metrics (METRICS_EMF_SECS)")
scaling = res["ScalableTarget"]["Properties"]
check((scaling["MinCapacity"], scaling["MaxCapacity"]) == ({"Ref": "MinTasks"}, {"Ref": "MaxTasks"}), "autoscaling between MinTasks and MaxTasks")
check(str(res["SessionStoreUrl"]["Properties"]["SecretString"]).count("rediss://") == 1, "SESSION_STORE must be rediss://")

# Kubernetes: the example manifest, and the Helm chart as it renders with its defaults.
import ipaddress
import subprocess

def check_kubernetes(docs, where):
    """The manifests of `where` (the raw example, or the chart as rendered) against the image."""
    kinds = {d["kind"]: d for d in docs}
    for kind in ("Deployment", "Service", "PodDisruptionBudget"):
        check(kind in kinds, f"{where} has no {kind}")
    config = kinds["ConfigMap"]["data"]
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    pre_stop = c["lifecycle"]["preStop"]["sleep"]["seconds"]
    check(pod["terminationGracePeriodSeconds"] >= pre_stop + int(config["SHUTDOWN_GRACE_SECS"]),
          "terminationGracePeriodSeconds must cover preStop + SHUTDOWN_GRACE_SECS")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    check(ports == {"http": app_port, "metrics": metrics_port}, f"container ports {ports} are not the image's")
    check(c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}, "readiness must be /readyz on the metrics port")
    check(pod["securityContext"]["runAsUser"] == 10001, "the pod must run as the image's user")
    # Only the ingress may send X-Forwarded-For: a narrow TRUSTED_PROXIES and a NetworkPolicy that
    # lets one peer reach the app's port and one the metrics port.
    for cidr in str(config["TRUSTED_PROXIES"]).split(","):
        net = ipaddress.ip_network(cidr.strip(), strict=False)
        check(net.prefixlen >= 16, f"TRUSTED_PROXIES {cidr} trusts too much (wider than a /16)")
    policy = kinds.get("NetworkPolicy")
    check(policy is not None, f"{where} has no NetworkPolicy")
    if policy:
        spec = policy["spec"]
        pod_labels = kinds["Deployment"]["spec"]["template"]["metadata"]["labels"]
        check(spec["podSelector"]["matchLabels"] == pod_labels, "the NetworkPolicy must select the app's pods")
        check("Ingress" in spec.get("policyTypes", []), "the NetworkPolicy must restrict ingress")
        by_port = {}
        for rule in spec.get("ingress", []):
            check(rule.get("from"), "every NetworkPolicy rule must name who may connect")
            for p in rule.get("ports", []):
                by_port.setdefault(p["port"], []).append(rule)
        check(sorted(by_port) == ["http", "metrics"], f"the NetworkPolicy opens {sorted(by_port)}, not exactly http and metrics")
        check(all(len(r) == 1 for r in by_port.values()), "one peer per port")


check_kubernetes([d for d in yaml.safe_load_all((ROOT / "deploy/k8s/reset.yaml").read_text()) if d], "the Kubernetes example")
helm = str(Path(sys.executable).parent / "helm")
chart = ROOT / "deploy/helm/cognito-reset"
rendered = subprocess.run([helm, "template", "r", str(chart)], capture_output=True, text=True, check=True).stdout
chart_docs = [d for d in yaml.safe_load_all(rendered) if d]
check_kubernetes(chart_docs, "the Helm chart")
chart_kinds = {d["kind"]: d for d in chart_docs}
for kind in ("HorizontalPodAutoscaler", "ServiceAccount", "ConfigMap"):
    check(kind in chart_kinds, f"the Helm chart has no {kind}")
service_ports = {p["name"] for p in chart_kinds["Service"]["spec"]["ports"]}
check(service_ports == {"http", "metrics"}, f"the chart's Service ports {service_ports} (the metrics port belongs there)")
meta = yaml.safe_load((chart / "Chart.yaml").read_text())
cargo_version = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
check(meta["version"] == meta["appVersion"] == cargo_version, f"the chart's version and appVersion must be the workspace's {cargo_version}")
image = chart_kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"]
check(image.endswith(":" + cargo_version), f"the chart's image {image} is not the release's tag")
monitor = subprocess.run([helm, "template", "r", str(chart), "--set", "serviceMonitor.enabled=true"],
                         capture_output=True, text=True, check=True).stdout
check("kind: ServiceMonitor" in monitor, "serviceMonitor.enabled=true renders a ServiceMonitor")

if errors:
    print("deploy/ disagrees with the app:\n  " + "\n  ".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"    deploy/ agrees with the app and the docs (task role: {', '.join(sorted(role_actions))})")
