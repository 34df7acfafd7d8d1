package k8s

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// ConfigMaps and Jobs are the calls Apply makes in one namespace. A
// clientset's CoreV1().ConfigMaps(ns) and BatchV1().Jobs(ns) satisfy them
// (the tests use client-go's fake clientset), and so does [Client].
type ConfigMaps interface {
	Create(ctx context.Context, cm *corev1.ConfigMap, opts metav1.CreateOptions) (*corev1.ConfigMap, error)
	Update(ctx context.Context, cm *corev1.ConfigMap, opts metav1.UpdateOptions) (*corev1.ConfigMap, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// Jobs creates Jobs in one namespace.
type Jobs interface {
	Create(ctx context.Context, job *batchv1.Job, opts metav1.CreateOptions) (*batchv1.Job, error)
}

// Client makes those calls through client-go's REST client with a scheme
// of core/v1 and batch/v1 only. The generated clientset would do the same
// but registers every API group of Kubernetes, which made the interloop
// binary 60% larger (64 MB → 102 MB).
type Client struct {
	core, batch *rest.RESTClient
}

// NewClient makes a Client from a REST config (clientcmd's, or in-cluster).
func NewClient(cfg *rest.Config) (*Client, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, batchv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	codecs := serializer.NewCodecFactory(scheme)
	mk := func(apiPath string, gv schema.GroupVersion) (*rest.RESTClient, error) {
		c := rest.CopyConfig(cfg)
		c.APIPath, c.GroupVersion = apiPath, &gv
		c.NegotiatedSerializer = codecs.WithoutConversion()
		if c.UserAgent == "" {
			c.UserAgent = "interloop"
		}
		return rest.RESTClientFor(c)
	}
	core, err := mk("/api", corev1.SchemeGroupVersion)
	if err != nil {
		return nil, fmt.Errorf("k8s: %w", err)
	}
	batch, err := mk("/apis", batchv1.SchemeGroupVersion)
	if err != nil {
		return nil, fmt.Errorf("k8s: %w", err)
	}
	return &Client{core: core, batch: batch}, nil
}

// ConfigMaps are the namespace's ConfigMaps.
func (c *Client) ConfigMaps(ns string) ConfigMaps { return configMaps{c.core, ns} }

// Jobs are the namespace's Jobs.
func (c *Client) Jobs(ns string) Jobs { return jobs{c.batch, ns} }

type configMaps struct {
	c  *rest.RESTClient
	ns string
}

func (x configMaps) Create(ctx context.Context, cm *corev1.ConfigMap, opts metav1.CreateOptions) (*corev1.ConfigMap, error) {
	out := &corev1.ConfigMap{}
	err := x.c.Post().Namespace(x.ns).Resource("configmaps").VersionedParams(&opts, metav1.ParameterCodec).Body(cm).Do(ctx).Into(out)
	return out, err
}

func (x configMaps) Update(ctx context.Context, cm *corev1.ConfigMap, opts metav1.UpdateOptions) (*corev1.ConfigMap, error) {
	out := &corev1.ConfigMap{}
	err := x.c.Put().Namespace(x.ns).Resource("configmaps").Name(cm.Name).VersionedParams(&opts, metav1.ParameterCodec).Body(cm).Do(ctx).Into(out)
	return out, err
}

func (x configMaps) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return x.c.Delete().Namespace(x.ns).Resource("configmaps").Name(name).Body(&opts).Do(ctx).Error()
}

type jobs struct {
	c  *rest.RESTClient
	ns string
}

func (x jobs) Create(ctx context.Context, job *batchv1.Job, opts metav1.CreateOptions) (*batchv1.Job, error) {
	out := &batchv1.Job{}
	err := x.c.Post().Namespace(x.ns).Resource("jobs").VersionedParams(&opts, metav1.ParameterCodec).Body(job).Do(ctx).Into(out)
	return out, err
}

// API reaches ConfigMaps and Jobs by namespace: Client's methods, or a
// clientset's (fake.NewClientset() in tests).
type API struct {
	ConfigMaps func(namespace string) ConfigMaps
	Jobs       func(namespace string) Jobs
}

// API returns c's calls as an API.
func (c *Client) API() API { return API{ConfigMaps: c.ConfigMaps, Jobs: c.Jobs} }
