// Large resources keep their structs in index-structs/*.js.
import * as cdktf from 'cdktf';
export interface DataAwsWidgetItems {
}
export class DataAwsWidgetItemsOutputReference extends cdktf.ComplexObject {

  // weights - computed: true, optional: false, required: false
  public get weights() {
    return this.getNumberMapAttribute('weights');
  }
}

export class DataAwsWidgetItemsList extends cdktf.ComplexList {
  public get(index: number): DataAwsWidgetItemsOutputReference {
    return new DataAwsWidgetItemsOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet);
  }
}
